# podfit profile: podman + runc for the container backend (--image); wrk comes from 10-load.sh.
# cgroup v1/v2 need nothing installed; the base image the container test uses is built by
# scripts/base-image.sh.
APT_PACKAGES=(podman runc)
