"""The worker policy as a table: limits in, processes and threads out."""

from __future__ import annotations

import pytest

from podfit.runtime.limits import Limits, LimitsError
from podfit.runtime.policy import (
    DEFAULT_REQUEST_THREADS,
    blas_environ,
    plan_workers,
    summary,
)


def lim(cpu: float | None, mem: int | None = None, count: int = 8) -> Limits:
    return Limits(cpu_limit=cpu, cpu_count=count, cpu_quota=cpu, memory_limit_bytes=mem,
                  memory_high_bytes=None, cgroup_version="v2", sources={})


@pytest.mark.parametrize(("cpu", "count", "workers", "threads"), [
    (0.25, 8, 1, 1),
    (0.5, 8, 1, 1),
    (1.0, 8, 1, 1),
    (1.5, 8, 1, 2),   # floor for processes, ceil for threads: the half core goes to threads
    (2.0, 8, 2, 1),
    (3.9, 8, 3, 2),
    (None, 4, 4, 1),  # no quota: the affinity count
])
def test_cpu_table(cpu: float | None, count: int, workers: int, threads: int) -> None:
    plan = plan_workers(lim(cpu, count=count), environ={})
    assert (plan.workers, plan.threads) == (workers, threads)


def test_memory_caps_workers() -> None:
    plan = plan_workers(lim(8.0, mem=1000 * 2**20), worker_memory_bytes=300 * 2**20, environ={})
    assert plan.workers == 3  # floor(0.9 * 1000 / 300)
    assert plan.threads == 3  # ceil(8 / 3)
    tiny = plan_workers(lim(8.0, mem=100 * 2**20), worker_memory_bytes=300 * 2**20, environ={})
    assert tiny.workers == 1


def test_env_overrides_and_errors() -> None:
    plan = plan_workers(lim(1.0), environ={"WEB_CONCURRENCY": "5", "PODFIT_THREADS": "4"})
    assert (plan.workers, plan.threads) == (5, 4)
    assert summary(plan)["sources"] == {"workers": "env WEB_CONCURRENCY",
                                        "threads": "env PODFIT_THREADS",
                                        "request_threads": "env PODFIT_THREADS"}
    assert (plan.request_threads, plan.worker_class, plan.measured) == (4, "gthread", True)
    for bad in ("0", "two"):
        with pytest.raises(LimitsError, match="WEB_CONCURRENCY"):
            plan_workers(lim(1.0), environ={"WEB_CONCURRENCY": bad})


def test_blas_environ_keeps_user_values() -> None:
    plan = plan_workers(lim(1.5), environ={})
    assert blas_environ(plan, {"OMP_NUM_THREADS": "7"}) == {
        "OPENBLAS_NUM_THREADS": "2", "MKL_NUM_THREADS": "2", "VECLIB_MAXIMUM_THREADS": "2",
        "NUMEXPR_NUM_THREADS": "2"}


@pytest.mark.parametrize(("cpu", "environ", "expected"), [
    # nothing measured: gthread with the default threads, floor(cpu) workers
    (1.0, {}, (1, DEFAULT_REQUEST_THREADS, "gthread", False)),
    (0.5, {}, (1, DEFAULT_REQUEST_THREADS, "gthread", False)),
    (2.0, {}, (2, DEFAULT_REQUEST_THREADS, "gthread", False)),
    # what init --from-profile writes wins: a CPU-bound app measured best at 1 thread is sync
    (1.0, {"WEB_CONCURRENCY": "1", "PODFIT_THREADS": "1"}, (1, 1, "sync", True)),
    (1.0, {"WEB_CONCURRENCY": "2", "PODFIT_THREADS": "16"}, (2, 16, "gthread", True)),
    (1.0, {"WEB_CONCURRENCY": "3"}, (3, DEFAULT_REQUEST_THREADS, "gthread", True)),
])
def test_request_concurrency_table(cpu: float, environ: dict[str, str],
                                   expected: tuple[int, int, str, bool]) -> None:
    plan = plan_workers(lim(cpu), environ=environ)
    assert (plan.workers, plan.request_threads, plan.worker_class, plan.measured) == expected
    data = summary(plan)
    assert (data["worker_class"], data["request_threads"]) == expected[2:0:-1]
    assert ("podfit default" in str(data["concurrency"])) is not expected[3]


def test_memory_bounds_workers_under_the_threaded_default() -> None:
    plan = plan_workers(lim(4.0, mem=512 * 2**20), worker_memory_bytes=300 * 2**20, environ={})
    assert (plan.workers, plan.request_threads, plan.worker_class) == (1, 8, "gthread")
