"""Profiles of the example apps with known behaviour: the recommendations must make sense,
and a verification run at the recommended memory limit must never hit it."""

from __future__ import annotations

import pytest

from podfit.core.units import parse_cpu, parse_memory
from podfit.profile import (
    CgroupBackend,
    ModelSettings,
    ProfileResult,
    Recommendation,
    RunSettings,
    SweepSettings,
    run_profile,
)
from podfit.profile.cgroups import Limits
from podfit.profile.runner import measure
from podfit.profile.server import parse_command
from tests.profile.conftest import GUNICORN, UVICORN, example, needs_cgroup, needs_wrk

pytestmark = [needs_cgroup, needs_wrk, pytest.mark.real, pytest.mark.slow]

SHORT = RunSettings(warmup_s=1, duration_s=1, open_duration_s=1, open_fractions=(0.5, 0.7, 0.85))
MI = 2**20


def _profile(argv: list[str], memory: int, workers: tuple[int, ...],
             threads: tuple[int, ...]) -> tuple[ProfileResult, Recommendation]:
    grid = SweepSettings(cpu_limits=(1.0,), memory_limit=memory, workers=workers,
                         threads=threads)
    result = run_profile(argv, CgroupBackend(), run=SHORT, grid=grid, model=ModelSettings())
    assert result.recommendation is not None
    return result, result.recommendation


def _verify(argv: list[str], rec: Recommendation) -> None:
    """Run the recommended configuration under the recommended memory limit."""
    limit = parse_memory(rec.memory_limit)
    run = measure(CgroupBackend(), parse_command(argv), workers=rec.workers,
                  threads=rec.threads, limits=Limits(1.0, limit), settings=SHORT)
    assert run.status == "ok", run.note
    assert run.oom_kills == 0
    assert 0 < run.memory_peak < limit
    assert run.closed is not None
    assert run.closed.rps > 0


@pytest.mark.usefixtures("no_leftovers")
def test_cpu_bound_gets_few_workers_at_one_cpu() -> None:
    argv = [GUNICORN, "--chdir", example("cpu"), "app:app"]
    result, rec = _profile(argv, 512 * MI, workers=(1, 2, 3), threads=(1, 2))
    assert rec.workers <= 2 or rec.threads == 1
    assert rec.workers * rec.threads <= 4
    ok = [r for r in result.runs if r.status == "ok"]
    one = max(r.capacity_rps for r in ok if r.workers == 1)
    # The CPU is the bottleneck: tripling the workers cannot come near tripling capacity
    # (the I/O-bound app below does), and the busiest run used the whole 1-CPU quota.
    assert max(r.capacity_rps for r in ok) < 1.8 * one
    assert max(r.cpu_cores for r in ok) > 0.8
    chosen = next(r for r in ok if (r.workers, r.threads) == (rec.workers, rec.threads))
    # CPU time per request (robust to a busy host, unlike wall time): ~20 ms of hashing.
    assert chosen.cpu_cores_at_capacity / chosen.capacity_rps > 0.008
    assert 0.3 < parse_cpu(rec.cpu_request) <= 1.0
    _verify(argv, rec)


@pytest.mark.usefixtures("no_leftovers")
def test_io_bound_gets_more_request_slots() -> None:
    argv = [GUNICORN, "--chdir", example("io"), "app:app"]
    result, rec = _profile(argv, 512 * MI, workers=(1, 2), threads=(1, 4))
    single = next(r for r in result.runs if (r.workers, r.threads) == (1, 1))
    assert rec.threads >= 4
    assert rec.worker_class == "gthread"
    assert rec.capacity_rps_per_pod > 2.5 * single.capacity_rps
    assert parse_cpu(rec.cpu_request) < 0.5  # waiting costs no CPU
    _verify(argv, rec)


@pytest.mark.usefixtures("no_leftovers")
def test_memory_heavy_workers_are_capped_by_memory() -> None:
    argv = [GUNICORN, "--chdir", example("memory"), "app:app"]
    result, rec = _profile(argv, 400 * MI, workers=(1, 2, 3, 4), threads=(4,))
    cap = int(next(r.value for r in rec.reasons if r.field == "workers.memory_cap"))
    assert cap < 3  # 3 is what the CPU would allow (2 × 1 + 1); 120 MiB per worker does not
    assert rec.workers <= cap
    assert not any(r.workers > 3 and r.status == "ok" for r in result.runs)
    worker_pss = [p.pss for r in result.runs for p in r.processes if p.role == "worker"]
    assert min(worker_pss) > 120 * MI
    assert parse_memory(rec.memory_limit) <= 400 * MI
    _verify(argv, rec)


@pytest.mark.usefixtures("no_leftovers")
def test_async_app_needs_no_threads_and_few_workers() -> None:
    argv = [UVICORN, "--app-dir", example("async"), "app:app"]
    _, rec = _profile(argv, 512 * MI, workers=(1, 2), threads=(1,))
    assert (rec.worker_class, rec.threads) == ("uvicorn", 1)
    assert rec.workers <= 2
    assert rec.capacity_rps_per_pod > 100  # one event loop overlaps many 50 ms waits
    _verify(argv, rec)
