#!/usr/bin/env bash
# A private Docker daemon (Debian's docker.io, BuildKit built in) for the `podfit init` image
# tests and bench/bench_images.py: what most users build with. No systemd here, so it is
# started by hand, on its own socket and data root, never touching a system dockerd.
#
#   docker-daemon.sh start   # prints "started PID" (the caller stops that PID) or "running PID"
#   docker-daemon.sh stop    # stops the daemon this script started (pidfile), if any
#   docker-daemon.sh env     # prints DOCKER_HOST=... for the private socket
#
# `start` also imports the debootstrapped base (scripts/base-image.sh keeps the tarball) as a
# docker image, since no registry is reachable. Debian's /usr/bin/docker 20.10 is the client:
# the preinstalled /usr/local/bin/docker has no buildx, so DOCKER_BUILDKIT=1 needs this one.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ROOT=${PODFIT_DOCKER_ROOT:-/var/lib/podfit-docker}
RUNDIR=${PODFIT_DOCKER_RUN:-/run/podfit-docker}
SOCK=$RUNDIR/docker.sock
PIDFILE=$RUNDIR/dockerd.pid
IMAGE=${PODFIT_BASE_IMAGE:-localhost/podfit-python:3.11-bookworm}
CACHE=${PODFIT_CACHE:-/var/cache/podfit}
DOCKER=/usr/bin/docker
# A bridge of its own, away from podman's 10.88/16; no iptables/NAT changes to the host:
# builds use the host network, test containers are reached at their bridge address.
BIP=${PODFIT_DOCKER_BIP:-10.213.7.1/24}

alive() { "$DOCKER" -H "unix://$SOCK" version --format '{{.Server.Version}}' >/dev/null 2>&1; }

import_base() {
  if "$DOCKER" -H "unix://$SOCK" image inspect "$IMAGE" >/dev/null 2>&1; then
    return 0
  fi
  tarball="$CACHE/bookworm-python3.tar"
  [ -s "$tarball" ] || PODFIT_SKIP_PODMAN_IMPORT=1 bash "$here/base-image.sh"
  "$DOCKER" -H "unix://$SOCK" import --change 'CMD ["python3"]' "$tarball" "$IMAGE" >/dev/null
  echo "docker-daemon: imported $IMAGE" >&2
}

case "${1:-start}" in
  env)
    echo "DOCKER_HOST=unix://$SOCK"
    ;;
  start)
    mkdir -p "$ROOT" "$RUNDIR"
    if alive; then
      import_base
      echo "running $(cat "$PIDFILE" 2>/dev/null || echo 0)"
      exit 0
    fi
    [ -x /usr/sbin/dockerd ] || { echo "docker-daemon: docker.io is not installed" >&2; exit 3; }
    setsid /usr/sbin/dockerd --data-root "$ROOT/data" --exec-root "$RUNDIR/exec" \
      -H "unix://$SOCK" --pidfile "$PIDFILE" \
      --bip "$BIP" --iptables=false --ip-forward=false --ip-masq=false \
      --default-ulimit nofile=20000:20000 --default-ulimit nproc=4096:4096 \
      --containerd-namespace podfit --containerd-plugins-namespace podfit-plugins \
      >"$ROOT/dockerd.log" 2>&1 </dev/null &
    pid=$!
    for _ in $(seq 1 300); do
      alive && break
      kill -0 "$pid" 2>/dev/null || { tail -20 "$ROOT/dockerd.log" >&2; exit 1; }
      sleep 0.1
    done
    alive || { echo "docker-daemon: not ready after 30 s" >&2; tail -20 "$ROOT/dockerd.log" >&2; exit 1; }
    import_base
    echo "started $pid"
    ;;
  stop)
    if [ -s "$PIDFILE" ]; then
      pid=$(cat "$PIDFILE")
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    ;;
  *)
    echo "usage: $0 start|stop|env" >&2
    exit 2
    ;;
esac
