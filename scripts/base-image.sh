#!/usr/bin/env bash
# Builds the local Python base image the image tests and bench/bench_images.py use, since no
# container registry is reachable here: debootstrap bookworm (minbase) + python3 + python3-venv,
# imported into the root podman/buildah store (scripts/docker-daemon.sh imports the same
# tarball into the private Docker daemon). Idempotent: skips when the image exists, and
# keeps the rootfs tarball under $PODFIT_CACHE so a lost image is re-imported in seconds.
set -euo pipefail
IMAGE=${PODFIT_BASE_IMAGE:-localhost/podfit-python:3.11-bookworm}
CACHE=${PODFIT_CACHE:-/var/cache/podfit}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
mkdir -p "$CACHE"

# crun refuses this hybrid cgroup host and root cannot raise rlimits: runc + lower ulimits.
conf="$CACHE/containers.conf"
if [ ! -s "$conf" ]; then
  cat >"$conf" <<'CONF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
[engine]
runtime = "runc"
CONF
fi
export CONTAINERS_CONF=$conf

tarball="$CACHE/bookworm-python3.tar"
# The tarball is kept even when the podman image exists: docker-daemon.sh imports it too.
if [ -s "$tarball" ] && { [ -n "${PODFIT_SKIP_PODMAN_IMPORT:-}" ] \
    || podman image exists "$IMAGE" 2>/dev/null; }; then
  echo "base-image: $IMAGE exists" >&2
  exit 0
fi
if [ ! -s "$tarball" ]; then
  root=$(mktemp -d "$CACHE/rootfs.XXXXXX")
  trap 'rm -rf "$root"' EXIT
  echo "base-image: debootstrap bookworm into $root" >&2
  debootstrap --variant=minbase --include=python3,python3-venv bookworm "$root" "$MIRROR" >/dev/null
  cat >"$root/etc/apt/sources.list" <<SRC
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SRC
  # What the official images leave out too: downloaded .debs, package lists, docs.
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin \
    "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/*
  tar -C "$root" -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
fi
if [ -n "${PODFIT_SKIP_PODMAN_IMPORT:-}" ] || ! command -v podman >/dev/null; then
  exit 0
fi
podman import --change 'CMD ["python3"]' "$tarball" "$IMAGE" >/dev/null
echo "base-image: imported $IMAGE" >&2
