#!/usr/bin/env bash
# Installs the real components podfit's tests use. Each area owns one fragment in setup.d/:
# a fragment lists apt packages in APT_PACKAGES and may define a post_install function.
# Without root nothing is installed and the tests that need these parts skip (fail on CI).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" != 0 ]; then
  echo "setup-system: not root; skipping system packages (tests that need them will skip)" >&2
  exit 0
fi
packages=()
posts=()
for fragment in "$here"/setup.d/*.sh; do
  [ -e "$fragment" ] || continue
  APT_PACKAGES=()
  unset -f post_install 2>/dev/null || true
  # shellcheck source=/dev/null
  source "$fragment"
  packages+=("${APT_PACKAGES[@]}")
  if declare -F post_install >/dev/null; then
    name=post_$(basename "$fragment" .sh | tr -c 'a-zA-Z0-9\n' _)
    eval "$(declare -f post_install | sed "1s/post_install/$name/")"
    posts+=("$name")
  fi
done
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup-system: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
for fn in "${posts[@]}"; do "$fn"; done
