# BuildKit builds for `podfit init` tests and bench/bench_images.py: Debian's docker.io (20.10,
# BuildKit built in; what most users run). No systemd here: the tests' session fixture starts
# a private dockerd with scripts/docker-daemon.sh and stops it by PID afterwards. The base
# tarball it imports comes from scripts/base-image.sh (40-images.sh).
APT_PACKAGES=(docker.io)
