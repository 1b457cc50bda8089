"""cgroup backends: path discovery from /proc texts, the real v1 backend on this host, and the
v2 backend on a fake cgroupfs."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from podfit.core.errors import ProfileError
from podfit.profile.cgroups import CgroupV1, CgroupV2, Limits, own_v1_dirs, own_v2_dir
from podfit.profile.sandbox import _enter
from tests.profile.conftest import needs_cgroup

HYBRID_MOUNTINFO = """\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
"""
HYBRID_CGROUP = "8:pids:/\n4:memory:/process_api/abc\n2:cpuacct:/\n1:cpu:/\n0::/\n"
DOCKER_MOUNTINFO = ("40 31 0:29 /docker/123 /sys/fs/cgroup/cpu,cpuacct ro - cgroup cgroup "
                    "rw,cpu,cpuacct\n"
                    "41 31 0:30 /docker/123 /sys/fs/cgroup/memory ro - cgroup cgroup rw,memory\n")
DOCKER_CGROUP = "4:memory:/docker/123\n3:cpu,cpuacct:/docker/123\n"


def test_v1_paths_on_a_hybrid_host_with_a_nested_memory_cgroup() -> None:
    dirs = own_v1_dirs(HYBRID_MOUNTINFO, HYBRID_CGROUP)
    assert dirs == {"cpu": Path("/sys/fs/cgroup/cpu"), "cpuacct": Path("/sys/fs/cgroup/cpuacct"),
                    "memory": Path("/sys/fs/cgroup/memory/process_api/abc"),
                    "pids": Path("/sys/fs/cgroup/pids")}
    assert own_v2_dir(HYBRID_MOUNTINFO, HYBRID_CGROUP) == Path("/sys/fs/cgroup/unified")


def test_v1_paths_inside_a_docker_container_translate_the_mount_root() -> None:
    dirs = own_v1_dirs(DOCKER_MOUNTINFO, DOCKER_CGROUP)
    assert dirs["cpu"] == dirs["cpuacct"] == Path("/sys/fs/cgroup/cpu,cpuacct")
    assert dirs["memory"] == Path("/sys/fs/cgroup/memory")


# A pod's cgroup namespace mounts /kubepods; this process sits in a sibling group whose name
# merely starts with it, so its path is hidden by the namespace: we are at the mount's root.
PREFIX_MOUNTINFO = ("40 31 0:29 /kubepods /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"
                    "41 31 0:30 /kubepods /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n")
PREFIX_CGROUP = "4:memory:/kubepods-burstable/pod1\n1:cpu:/kubepods/pod2\n"


def test_a_mount_root_is_not_a_string_prefix_of_a_sibling_cgroup() -> None:
    dirs = own_v1_dirs(PREFIX_MOUNTINFO, PREFIX_CGROUP)
    assert dirs == {"cpu": Path("/sys/fs/cgroup/cpu/pod2"),
                    "memory": Path("/sys/fs/cgroup/memory")}  # not …/memory/-burstable/pod1


def test_profile_resolves_cgroups_through_runtime_limits() -> None:
    from podfit.profile import cgroups

    assert not hasattr(cgroups, "parse_mountinfo")  # one home for cgroup paths: runtime.limits
    assert not hasattr(cgroups, "_translate")


def _spawn(group: CgroupV1 | CgroupV2, code: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", code], preexec_fn=_enter(  # noqa: PLW1509
        group.procs_files()), stderr=subprocess.DEVNULL)


@needs_cgroup
def test_v1_applies_limits_measures_and_cleans_up() -> None:
    group = CgroupV1.create(Limits(cpu=0.2, memory=64 * 2**20))
    dirs = group.unique_dirs
    try:
        assert (group.dirs["cpu"] / "cpu.cfs_quota_us").read_text().strip() == "20000"
        assert (group.dirs["cpu"] / "cpu.shares").read_text().strip() == "262144"
        assert int((group.dirs["memory"] / "memory.limit_in_bytes").read_text()) == 64 * 2**20
        started = time.monotonic()
        proc = _spawn(group, "import time\nend = time.time() + 1\nwhile time.time() < end: pass")
        time.sleep(0.3)
        assert group.pids() == [proc.pid]
        proc.wait()
        wall = time.monotonic() - started
        stats = group.stats()
        # A busy loop under a 0.2-CPU quota: the kernel throttles it and never lets it use more
        # than 0.2 s of CPU per wall second, however fast or busy the host is (one period of
        # slack for the interpreter's start).
        assert 0 < stats.cpu_usage_s <= 0.2 * wall + 0.1
        assert stats.nr_throttled > 0 < stats.nr_periods
        assert stats.memory_peak > 0
        sleeper = _spawn(group, "import time; time.sleep(60)")
        time.sleep(0.2)
    finally:
        group.close()
    assert sleeper.wait(timeout=5) == -9
    assert not any(d.exists() for d in dirs)


@needs_cgroup
def test_v1_counts_an_oom_kill() -> None:
    group = CgroupV1.create(Limits(cpu=None, memory=48 * 2**20))
    try:
        proc = _spawn(group, "x = b'1' * (200 * 2**20)")
        assert proc.wait(timeout=20) == -9
        assert group.stats().oom_kills >= 1
    finally:
        group.close()


def _fake_v2(tmp_path: Path, controllers: str = "cpu memory") -> Path:
    parent = tmp_path / "cgroup" / "user.slice"
    parent.mkdir(parents=True)
    (parent / "cgroup.controllers").write_text(controllers + "\n")
    (parent / "cgroup.subtree_control").write_text("")
    return parent


def _emulate_kernel_rmdir(directory: Path) -> None:
    """cgroupfs removes control files with the directory; a plain tmp dir does not."""
    for item in directory.iterdir():
        item.unlink()


def test_v2_writes_limits_and_reads_stats_on_a_fake_cgroupfs(tmp_path: Path) -> None:
    """cgroup2 here has no cpu/memory controllers (hybrid host), so the v2 backend is tested
    against a fake cgroupfs tree in tmp: the files it writes and the counters it reads."""
    parent = _fake_v2(tmp_path)
    group = CgroupV2.create(Limits(cpu=1.5, memory=256 * 2**20), parent=parent)
    child = group.directory
    assert (parent / "cgroup.subtree_control").read_text() == "+cpu +memory"
    assert (child / "cpu.max").read_text() == "150000 100000"
    assert (child / "memory.max").read_text() == str(256 * 2**20)
    assert (child / "cpu.weight").read_text() == "10000"
    (child / "cgroup.procs").write_text("")
    (child / "cpu.stat").write_text("usage_usec 2500000\nuser_usec 2000000\nnr_periods 40\n"
                                    "nr_throttled 10\nthrottled_usec 300000\n")
    (child / "memory.current").write_text("1048576\n")
    (child / "memory.peak").write_text("4194304\n")
    (child / "memory.events").write_text("low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n")
    stats = group.stats()
    assert (stats.cpu_usage_s, stats.nr_periods, stats.nr_throttled) == (2.5, 40, 10)
    assert (stats.throttled_s, stats.memory_peak, stats.oom_kills) == (0.3, 4194304, 1)
    _emulate_kernel_rmdir(child)
    group.close()
    assert not child.exists()


def test_v2_unlimited_cpu_and_missing_controllers(tmp_path: Path) -> None:
    """Fake cgroupfs (see above): ``max`` quota; and a clear error without controllers."""
    group = CgroupV2.create(Limits(cpu=None, memory=None), parent=_fake_v2(tmp_path))
    assert (group.directory / "cpu.max").read_text() == "max 100000"
    assert not (group.directory / "memory.max").exists()
    _emulate_kernel_rmdir(group.directory)
    group.close()
    with pytest.raises(ProfileError, match="no cpu/memory controllers"):
        CgroupV2.create(Limits(), parent=_fake_v2(tmp_path / "b", controllers="hugetlb"))
