"""The cgroup reader on fixture trees: v2, hybrid, v1 Docker and namespaced layouts.

This machine is hybrid with v1 controllers, so v2 ``cpu.max``/``memory.max`` cannot be made
real here; these trees reproduce what the kernel shows (the real v1 runs are in
``test_limits_cgroups.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from podfit.runtime.limits import (
    LimitsError,
    parse_mountinfo,
    parse_proc_cgroup,
    parse_quantity,
    read_limits,
    read_usage,
)

V2_MOUNT = "30 23 0:26 {root} /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n"


def tree(base: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = base / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return base


def test_v2_private_namespace(tmp_path: Path) -> None:
    root = tree(tmp_path, {
        "proc/self/cgroup": "0::/\n",
        "proc/self/mountinfo": V2_MOUNT.format(root="/"),
        "sys/fs/cgroup/cgroup.controllers": "cpuset cpu io memory pids\n",
        "sys/fs/cgroup/cpu.max": "150000 100000\n",
        "sys/fs/cgroup/memory.max": "536870912\n",
        "sys/fs/cgroup/memory.high": "402653184\n",
    })
    lim = read_limits(root=root, environ={}, affinity=8)
    assert lim.cpu_limit == 1.5
    assert lim.memory_limit_bytes == 536870912
    assert lim.memory_high_bytes == 402653184
    assert lim.cgroup_version == "v2"
    assert lim.sources["cpu_limit"] == str(root / "sys/fs/cgroup/cpu.max")


def test_v2_host_namespace_parent_tighter_than_leaf(tmp_path: Path) -> None:
    pod = "sys/fs/cgroup/kubepods.slice/pod1"
    root = tree(tmp_path, {
        "proc/self/cgroup": "0::/kubepods.slice/pod1/cri-abc\n",
        "proc/self/mountinfo": V2_MOUNT.format(root="/"),
        "sys/fs/cgroup/cgroup.controllers": "cpu memory\n",
        f"{pod}/cpu.max": "200000 100000\n",
        f"{pod}/memory.max": "1073741824\n",
        f"{pod}/cri-abc/cpu.max": "max 100000\n",
        f"{pod}/cri-abc/memory.max": "max\n",
        f"{pod}/cri-abc/memory.high": "max\n",
    })
    lim = read_limits(root=root, environ={}, affinity=64)
    assert lim.cpu_limit == 2.0  # Go 1.25 / automaxprocs would report no limit here
    assert lim.memory_limit_bytes == 1073741824
    assert lim.memory_high_bytes is None
    assert lim.sources["cpu_limit"] == str(root / pod / "cpu.max")


def test_v2_period_defaults_and_single_field(tmp_path: Path) -> None:
    root = tree(tmp_path, {
        "proc/self/cgroup": "0::/\n",
        "proc/self/mountinfo": V2_MOUNT.format(root="/"),
        "sys/fs/cgroup/cgroup.controllers": "cpu\n",
        "sys/fs/cgroup/cpu.max": "50000\n",
    })
    lim = read_limits(root=root, environ={}, affinity=4)
    assert lim.cpu_limit == 0.5
    assert lim.memory_limit_bytes is None  # memory controller not enabled


def test_v1_docker_mount_root_translation(tmp_path: Path) -> None:
    cid = "/docker/0123abcd"
    root = tree(tmp_path, {
        "proc/self/cgroup": f"12:memory:{cid}\n4:cpu,cpuacct:{cid}\n1:name=systemd:{cid}\n",
        "proc/self/mountinfo": (
            f"41 35 0:37 {cid} /sys/fs/cgroup/cpu,cpuacct ro - cgroup cgroup rw,cpu,cpuacct\n"
            f"45 35 0:41 {cid} /sys/fs/cgroup/memory ro - cgroup cgroup rw,memory\n"),
        "sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us": "50000\n",
        "sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us": "100000\n",
        "sys/fs/cgroup/cpu,cpuacct/cpu.stat": "nr_periods 31\nnr_throttled 30\n"
                                             "throttled_time 3576851729\n",
        "sys/fs/cgroup/memory/memory.limit_in_bytes": "67108864\n",
        "sys/fs/cgroup/memory/memory.usage_in_bytes": "1048576\n",
    })
    lim = read_limits(root=root, environ={}, affinity=2)
    assert (lim.cpu_limit, lim.memory_limit_bytes, lim.cgroup_version) == (0.5, 67108864, "v1")
    use = read_usage(lim)
    assert (use.periods, use.throttled_periods, use.memory_bytes) == (31, 30, 1048576)
    assert use.throttled_seconds == pytest.approx(3.576851729)


def test_hybrid_ignores_controllerless_cgroup2(tmp_path: Path) -> None:
    root = tree(tmp_path, {
        "proc/self/cgroup": "4:memory:/app\n1:cpu:/app\n0::/\n",
        "proc/self/mountinfo": (
            "32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"
            "35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
            "41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"),
        "sys/fs/cgroup/unified/cgroup.controllers": "hugetlb\n",
        "sys/fs/cgroup/cpu/app/cpu.cfs_quota_us": "250000\n",
        "sys/fs/cgroup/cpu/app/cpu.cfs_period_us": "100000\n",
        "sys/fs/cgroup/cpu/cpu.cfs_quota_us": "-1\n",
        "sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000\n",
        "sys/fs/cgroup/memory/app/memory.limit_in_bytes": "9223372036854771712\n",
        "sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n",
    })
    lim = read_limits(root=root, environ={}, affinity=2)
    assert lim.cgroup_version == "hybrid"
    assert lim.cpu_cgroup_version == "v1"
    assert lim.cpu_limit == 2.0  # quota 2.5 clamped by 2 CPUs of affinity
    assert lim.cpu_quota == 2.5  # the raw figure stays available
    assert lim.sources["cpu_limit"] == "affinity (2 CPUs) < quota 2.5"
    assert lim.memory_limit_bytes is None


def test_v1_hierarchical_limit_above_namespace(tmp_path: Path) -> None:
    root = tree(tmp_path, {
        "proc/self/cgroup": "4:memory:/\n",
        "proc/self/mountinfo": "35 31 0:32 /kubepods/pod9/c1 /sys/fs/cgroup/memory rw - "
                               "cgroup cgroup rw,memory\n",
        "sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n",
        "sys/fs/cgroup/memory/memory.stat": "cache 0\nhierarchical_memory_limit 268435456\n",
    })
    lim = read_limits(root=root, environ={}, affinity=2)
    assert lim.memory_limit_bytes == 268435456
    assert lim.sources["memory_limit_bytes"].endswith("memory.stat hierarchical")


def test_namespaced_path_outside_mount_root_uses_mount_point(tmp_path: Path) -> None:
    root = tree(tmp_path, {
        "proc/self/cgroup": "0::/../../elsewhere\n",
        "proc/self/mountinfo": V2_MOUNT.format(root="/kubepods/podX/ctr"),
        "sys/fs/cgroup/cgroup.controllers": "cpu memory\n",
        "sys/fs/cgroup/cpu.max": "100000 100000\n",
        "sys/fs/cgroup/memory.max": "134217728\n",
    })
    lim = read_limits(root=root, environ={}, affinity=4)
    assert (lim.cpu_limit, lim.memory_limit_bytes) == (1.0, 134217728)


def test_no_cgroups_at_all(tmp_path: Path) -> None:
    lim = read_limits(root=tree(tmp_path, {"proc/self/cgroup": "", "proc/self/mountinfo": ""}),
                      environ={}, affinity=3)
    assert (lim.cpu_limit, lim.memory_limit_bytes, lim.cgroup_version) == (None, None, "none")
    assert lim.effective_cpus == 3.0


def test_env_overrides_win(tmp_path: Path) -> None:
    root = tree(tmp_path, {
        "proc/self/cgroup": "0::/\n",
        "proc/self/mountinfo": V2_MOUNT.format(root="/"),
        "sys/fs/cgroup/cgroup.controllers": "cpu memory\n",
        "sys/fs/cgroup/cpu.max": "400000 100000\n",
        "sys/fs/cgroup/memory.max": "1073741824\n",
    })
    lim = read_limits(root=root, environ={"PODFIT_CPU_LIMIT": "750m",
                                          "PODFIT_MEMORY_LIMIT": "512Mi"}, affinity=8)
    assert (lim.cpu_limit, lim.memory_limit_bytes) == (0.75, 512 * 2**20)
    assert lim.cpu_quota == 4.0
    assert lim.sources["cpu_limit"] == "env PODFIT_CPU_LIMIT"
    with pytest.raises(LimitsError, match="PODFIT_CPU_LIMIT"):
        read_limits(root=root, environ={"PODFIT_CPU_LIMIT": "lots"}, affinity=8)


def test_parsers_edge_cases() -> None:
    mounts = parse_mountinfo(
        "1 0 0:1 / /sys/fs/cgroup/with\\040space rw shared:5 master:1 - cgroup cgroup rw,cpu\n"
        "2 0 0:2 / / rw - ext4 /dev/sda1 rw\n")
    assert [(m.point, m.fstype, "cpu" in m.superopts) for m in mounts] == [
        ("/sys/fs/cgroup/with space", "cgroup", True)]
    v1, v2 = parse_proc_cgroup("3:cpu,cpuacct:/a:b\n0::/x\n")
    assert v1 == {"cpu": "/a:b", "cpuacct": "/a:b"}
    assert v2 == "/x"
    assert parse_quantity("1.5", cpu=True) == 1.5
    assert parse_quantity("250m", cpu=True) == 0.25
    assert parse_quantity("1Gi") == 2**30
    assert parse_quantity("1G") == 10**9
    with pytest.raises(LimitsError):
        parse_quantity("12Qi")


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chain=st.lists(st.one_of(st.none(), st.integers(1_000, 2_000_000)), min_size=1,
                      max_size=5),
       mems=st.lists(st.one_of(st.none(), st.integers(2**20, 2**40)), min_size=5, max_size=5))
def test_tightest_ancestor_wins_at_any_depth(tmp_path_factory: pytest.TempPathFactory,
                                            chain: list[int | None],
                                            mems: list[int | None]) -> None:
    root = tmp_path_factory.mktemp("v2")
    names = [f"g{i}" for i in range(1, len(chain))]
    files = {"proc/self/cgroup": "0::/" + "/".join(names) + "\n",
             "proc/self/mountinfo": V2_MOUNT.format(root="/"),
             "sys/fs/cgroup/cgroup.controllers": "cpu memory\n"}
    for depth, (quota, mem) in enumerate(zip(chain, mems, strict=False)):
        directory = "/".join(["sys/fs/cgroup", *names[:depth]])
        files[f"{directory}/cpu.max"] = f"{quota if quota else 'max'} 100000\n"
        files[f"{directory}/memory.max"] = f"{mem if mem else 'max'}\n"
    lim = read_limits(root=tree(root, files), environ={}, affinity=1024)
    quotas = [q / 100_000 for q in chain if q]
    limits = [m for m in mems[:len(chain)] if m]
    assert lim.cpu_limit == (min(quotas) if quotas else None)
    assert lim.memory_limit_bytes == (min(limits) if limits else None)
