"""Profiles of the example apps with known behaviour. The tests assert what podfit decides
(workers, threads, request slots, max-requests, why the search stopped), never how fast this
machine is: they hold with the host busy with other work. A verification run at the
recommended memory limit must never hit it."""

from __future__ import annotations

import pytest

from podfit.core.units import parse_memory
from podfit.profile import (
    CgroupBackend,
    ModelSettings,
    ProfileResult,
    RaceSettings,
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
RACE = RaceSettings(repeats=3, soak_max_s=12)
MI = 2**20


def _profile(argv: list[str], memory: int, workers: tuple[int, ...] | None = None,
             threads: tuple[int, ...] | None = None) -> tuple[ProfileResult, Recommendation]:
    grid = SweepSettings(cpu_limits=(1.0,), memory_limit=memory, workers=workers,
                         threads=threads, budget_s=600)
    result = run_profile(argv, CgroupBackend(), run=SHORT, grid=grid, model=ModelSettings(),
                         racing=RACE)
    assert result.recommendation is not None
    return result, result.recommendation


def _reason(rec: Recommendation, name: str) -> str:
    return next(r.reason for r in rec.reasons if r.field == name)


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
    result, rec = _profile(argv, 512 * MI, workers=(1, 2, 3))
    # One CPU: neither the 2 × CPU + 1 ceiling of processes nor a pile of threads. On a busy
    # host a few slots more can fill the gaps when the app is descheduled, so the bounds
    # leave room for that, but the thread doubling must stop long before 128.
    assert rec.workers <= 2
    assert rec.workers * rec.threads <= 8
    assert max(r.threads for r in result.runs) <= 16
    # Why the search stopped is a decision podfit reports: the CPU, not the request slots,
    # ran out, so neither more threads nor more workers were worth measuring further.
    search = _reason(rec, "search")
    assert "CPU saturated" in search or "< 5%" in search
    assert rec.capacity is not None
    assert rec.capacity.low <= rec.capacity.value <= rec.capacity.high
    assert rec.max_requests is None  # hashing allocates nothing that stays
    _verify(argv, rec)


@pytest.mark.usefixtures("no_leftovers")
def test_io_bound_gets_more_request_slots() -> None:
    argv = [GUNICORN, "--chdir", example("io"), "app:app"]
    result, rec = _profile(argv, 512 * MI, workers=(1, 2), threads=(1, 4, 16))
    single = next(r for r in result.runs if (r.workers, r.threads) == (1, 1))
    assert rec.threads >= 4
    assert rec.worker_class == "gthread"
    assert single.closed is not None
    assert rec.capacity is not None
    assert rec.capacity.value > 2.5 * single.closed.rps  # waiting overlaps; CPU does not
    _verify(argv, rec)


@pytest.mark.usefixtures("no_leftovers")
def test_slow_io_gets_many_slots_in_few_processes() -> None:
    argv = [GUNICORN, "--chdir", example("slowio"), "app:app"]
    _, rec = _profile(argv, 512 * MI)
    assert rec.workers <= 2
    assert rec.workers * rec.threads >= 32
    assert "thread" in _reason(rec, "search")
    _verify(argv, rec)


@pytest.mark.usefixtures("no_leftovers")
def test_mixed_app_threads_help_until_the_cpu_saturates() -> None:
    argv = [GUNICORN, "--chdir", example("mixed"), "app:app"]
    result, rec = _profile(argv, 512 * MI, workers=(1, 2, 3))
    assert rec.threads >= 2  # the 40 ms waits overlap
    # 5 ms of CPU per request saturates one CPU long before 128 slots: the doubling stops.
    assert max(r.threads for r in result.runs) < 128
    assert rec.workers * rec.threads <= 64
    _verify(argv, rec)


@pytest.mark.usefixtures("no_leftovers")
def test_leaking_app_gets_max_requests_and_memory_for_the_growth() -> None:
    argv = [GUNICORN, "--chdir", example("leak"), "app:app"]
    result, rec = _profile(argv, 512 * MI, workers=(1, 2), threads=(1, 4))
    assert result.race is not None
    assert result.race.soak is not None
    assert result.race.soak.requests >= 1000
    assert rec.max_requests is not None
    assert rec.max_requests_jitter is not None
    assert 0 < rec.max_requests_jitter < rec.max_requests
    assert "per 1,000 requests" in _reason(rec, "max_requests")
    # The limit holds the growth until recycling on top of what serving took.
    entry = next(e for e in result.race.entries
                 if (e.workers, e.threads) == (rec.workers, rec.threads))
    assert parse_memory(rec.memory_limit) > entry.serving_peak


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
    # Start-up (building the table) and serving are measured apart; the limit covers both.
    assert result.race is not None
    entry = next(e for e in result.race.entries
                 if (e.workers, e.threads) == (rec.workers, rec.threads))
    assert entry.startup_peak > 120 * MI
    assert parse_memory(rec.memory_limit) > max(entry.startup_peak, entry.serving_peak)
    _verify(argv, rec)


@pytest.mark.usefixtures("no_leftovers")
def test_async_app_needs_no_threads_and_few_workers() -> None:
    argv = [UVICORN, "--app-dir", example("async"), "app:app"]
    _, rec = _profile(argv, 512 * MI, workers=(1, 2), threads=(1,))
    assert (rec.worker_class, rec.threads) == ("uvicorn", 1)
    assert rec.workers <= 2
    assert rec.capacity is not None
    # A server that handled one request at a time could not pass 20 rps (50 ms each).
    assert rec.capacity.value > 3 * 20
    _verify(argv, rec)
