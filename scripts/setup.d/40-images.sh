# Image builds for `podfit init` tests and bench/bench_images.py: buildah/podman with runc
# (crun refuses this hybrid cgroup host) and a debootstrapped Python base image.
APT_PACKAGES=(buildah podman runc skopeo debootstrap uidmap)

post_install() {
  # `here` is scripts/ in setup-system.sh, which sources this fragment.
  bash "$here/base-image.sh"
}
