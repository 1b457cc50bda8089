"""The reader inside real cgroup v1 groups created on this machine (root needed)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from harness.runtime import VENV_BIN, Groups, cgroup_pair, cgroups_usable

pytestmark = [pytest.mark.real, pytest.mark.skipif(cgroups_usable() is not None,
                                                   reason=str(cgroups_usable()))]
SUMMARY = ("import json; from podfit.runtime.policy import plan_workers, summary; "
           "print(json.dumps(summary(plan_workers())))")
ENV_KEYS = ("WEB_CONCURRENCY", "PODFIT_WORKERS", "PODFIT_CPU_LIMIT", "PODFIT_MEMORY_LIMIT",
            "PODFIT_THREADS", "PODFIT_WORKER_MEMORY")


def clean_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k not in ENV_KEYS}


def limit(groups: Groups, level: str, quota: int | None, memory: int | None) -> None:
    pick = groups.parent if level == "parent" else groups.leaf
    if quota is not None:
        (pick("cpu") / "cpu.cfs_period_us").write_text("100000")
        (pick("cpu") / "cpu.cfs_quota_us").write_text(str(quota))
    if memory is not None:
        (pick("memory") / "memory.limit_in_bytes").write_text(str(memory))


def run_inside(groups: Groups, argv: list[str], env: dict[str, str] | None = None) -> str:
    return subprocess.run(groups.wrap(argv), env=env or clean_env(),
                          capture_output=True, text=True, check=True, timeout=60).stdout


def test_parent_tighter_than_child_wins() -> None:
    # v1 refuses a child CPU quota above its parent's (EINVAL), so the child is unlimited —
    # the golang/go#81180 layout that leaf-only readers get wrong; memory may be looser
    with cgroup_pair() as groups:
        limit(groups, "parent", 50_000, 64 * 2**20)
        limit(groups, "child", -1, 256 * 2**20)
        data = json.loads(run_inside(groups, [sys.executable, "-c", SUMMARY]))
        assert data["cpu_limit"] == 0.5
        assert data["memory_limit_bytes"] == 64 * 2**20
        assert data["cgroup_version"] == "hybrid"
        assert (data["workers"], data["threads"]) == (1, 1)
        assert data["sources"]["cpu_limit"] == str(groups.parent("cpu") / "cpu.cfs_quota_us")
        assert data["sources"]["memory_limit_bytes"] == str(
            groups.parent("memory") / "memory.limit_in_bytes")


def test_child_tighter_and_cli_json() -> None:
    with cgroup_pair() as groups:
        limit(groups, "parent", 150_000, 512 * 2**20)
        limit(groups, "child", 25_000, 128 * 2**20)
        out = run_inside(groups, [str(VENV_BIN / "podfit"), "limits", "--format", "json"])
        data = json.loads(out)
        assert set(data) >= {"cpu_limit", "memory_limit_bytes", "cgroup_version", "workers",
                             "threads", "sources"}
        assert (data["cpu_limit"], data["memory_limit_bytes"]) == (0.25, 128 * 2**20)
        assert data["sources"]["cpu_limit"] == str(groups.leaf("cpu") / "cpu.cfs_quota_us")


def test_quota_above_affinity_is_clamped_and_memory_caps_workers() -> None:
    with cgroup_pair() as groups:
        limit(groups, "child", 400_000, 300 * 2**20)
        env = {**clean_env(), "PODFIT_WORKER_MEMORY": "100Mi"}
        data = json.loads(run_inside(groups, [sys.executable, "-c", SUMMARY], env))
        assert data["cpu_limit"] == 2.0  # 4-CPU quota, 2 CPUs in the affinity mask
        assert data["cpu_quota"] == 4.0
        # floor(0.9 * 300 MiB / 100 MiB) = 2 = floor(2.0 CPUs): memory does not bind yet
        assert data["workers"] == 2
        (groups.leaf("memory") / "memory.limit_in_bytes").write_text(str(200 * 2**20))
        data = json.loads(run_inside(groups, [sys.executable, "-c", SUMMARY], env))
        assert data["workers"] == 1  # floor(0.9 * 200 / 100) = 1
        assert data["sources"]["workers"].startswith("memory:")


def test_rereading_sees_an_in_place_resize() -> None:
    script = ("import sys; from podfit.runtime.limits import read_limits\n"
              "print(read_limits().cpu_limit, flush=True); sys.stdin.readline()\n"
              "print(read_limits().cpu_limit, flush=True)\n")
    with cgroup_pair() as groups:
        limit(groups, "child", 100_000, None)
        proc = subprocess.Popen(groups.wrap([sys.executable, "-c", script]),
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                env=clean_env())
        try:
            assert proc.stdout is not None
            assert proc.stdin is not None
            assert proc.stdout.readline().strip() == "1.0"
            (groups.leaf("cpu") / "cpu.cfs_quota_us").write_text("150000")
            proc.stdin.write("\n")
            proc.stdin.flush()
            assert proc.stdout.readline().strip() == "1.5"
        finally:
            proc.kill()
            proc.wait()


def test_env_override_beats_real_cgroup() -> None:
    with cgroup_pair() as groups:
        limit(groups, "child", 50_000, None)
        env = {**clean_env(), "WEB_CONCURRENCY": "3", "PODFIT_CPU_LIMIT": "2"}
        data = json.loads(run_inside(groups, [sys.executable, "-c", SUMMARY], env))
        assert (data["cpu_limit"], data["workers"], data["threads"]) == (2.0, 3, 1)
        assert data["sources"]["workers"] == "env WEB_CONCURRENCY"
