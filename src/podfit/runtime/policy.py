"""The worker policy: how many processes and threads a pod's limits justify.

* **Processes** = ``floor(cpu_limit)``, at least 1. Each process costs its own memory and, past
  the quota, only adds CFS throttling; a fractional part of a quota is usually a hedge, not a
  core to fill (automaxprocs' reasoning). Without a quota the affinity count is used.
* **Threads** (BLAS/OpenMP pools and CPU-bound thread pools, per process) =
  ``ceil(cpu_limit / processes)``, at least 1: threads are cheap, so round up and let a
  1.5-CPU pod use the half core.
* **Memory cap**: when the memory one worker needs is known (``PODFIT_WORKER_MEMORY`` or an
  argument), processes ≤ ``floor(0.9 × memory_limit / per_worker)``; 10 % is left for the
  master process, page cache and spikes.
* **Request concurrency (WSGI under gunicorn)**: without a measurement, gunicorn's ``gthread``
  worker class with ``DEFAULT_REQUEST_THREADS`` threads per process. Most web apps wait on a
  database or an HTTP call; a sync worker serves one request at a time, and Kubernetes puts no
  buffering proxy in front of a pod by default. Measured under a 1-CPU cgroup (docs/runtime.md,
  bench/results/runtime.md), threads multiply an I/O-bound app's capacity and cost a CPU-bound
  app a few percent.
* **Overrides**: ``WEB_CONCURRENCY`` (or ``PODFIT_WORKERS``) sets processes and
  ``PODFIT_THREADS`` sets threads (request threads too), as is: the environment — what
  ``podfit init --from-profile`` writes — always wins over the defaults. An explicit
  ``worker_class``/``threads`` in the user's gunicorn config or command line wins over both.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from podfit.runtime.limits import Limits, LimitsError, parse_quantity, read_limits

#: Share of the memory limit that workers may fill; the rest is headroom.
MEMORY_SHARE = 0.9
WORKER_ENVS = ("WEB_CONCURRENCY", "PODFIT_WORKERS")
THREADS_ENV = "PODFIT_THREADS"
WORKER_MEMORY_ENV = "PODFIT_WORKER_MEMORY"
#: Request threads per gunicorn worker when nothing was measured (see the module docstring).
DEFAULT_REQUEST_THREADS = 8
#: The worker class that goes with them (gunicorn's threaded worker).
DEFAULT_WORKER_CLASS = "gthread"
#: Thread-pool variables set for numerical libraries (must be set before they are imported).
BLAS_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                  "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


@dataclass(frozen=True)
class WorkerPlan:
    """Processes and threads for this pod, with the reason for each."""

    workers: int
    """Worker processes (gunicorn ``workers``, Celery ``concurrency``)."""
    threads: int
    """Threads per process for CPU-bound pools (BLAS, OpenMP, thread pools)."""
    limits: Limits
    """The limits the plan was made from."""
    reasons: Mapping[str, str] = field(default_factory=dict)
    """``workers``/``threads``/``request_threads`` -> why."""
    request_threads: int = DEFAULT_REQUEST_THREADS
    """Request threads per gunicorn worker (gunicorn ``threads``, ``gthread`` class)."""
    worker_class: str = DEFAULT_WORKER_CLASS
    """gunicorn worker class for a WSGI app."""
    measured: bool = False
    """``True`` when processes or threads came from the environment (a measurement, or the
    operator's choice) rather than from podfit's defaults."""

    @property
    def concurrency(self) -> str:
        """One line for logs and ``podfit limits``: the request concurrency and which rule
        chose it."""
        source = ("from the environment (measured)" if self.measured else
                  f"podfit default for unmeasured apps: gthread x {DEFAULT_REQUEST_THREADS}; "
                  "set WEB_CONCURRENCY/PODFIT_THREADS from podfit profile")
        return (f"{self.workers} worker(s) x {self.request_threads} thread(s) "
                f"({self.worker_class}), {source}")


def _positive_int(env: Mapping[str, str], name: str) -> int:
    try:
        value = int(env[name])
    except ValueError:
        raise LimitsError(f"{name}={env[name]!r} is not a whole number") from None
    if value < 1:
        raise LimitsError(f"{name}={env[name]!r} must be at least 1")
    return value


def plan_workers(limits: Limits | None = None, *, worker_memory_bytes: int | None = None,
                 environ: Mapping[str, str] | None = None) -> WorkerPlan:
    """Apply the policy in the module docstring to ``limits`` (read now when omitted)."""
    env = os.environ if environ is None else environ
    lim = limits if limits is not None else read_limits(environ=env)
    cpus = lim.effective_cpus
    reasons: dict[str, str] = {}

    workers = max(1, math.floor(cpus))
    reasons["workers"] = f"floor({cpus:g} CPUs), at least 1"
    if worker_memory_bytes is None and WORKER_MEMORY_ENV in env:
        worker_memory_bytes = int(parse_quantity(env[WORKER_MEMORY_ENV]))
    if worker_memory_bytes and lim.memory_limit_bytes:
        fit = math.floor(MEMORY_SHARE * lim.memory_limit_bytes / worker_memory_bytes)
        if fit < workers:
            workers = max(1, fit)
            reasons["workers"] = (f"memory: 90% of {lim.memory_limit_bytes} B / "
                                  f"{worker_memory_bytes} B per worker")
    for name in WORKER_ENVS:
        if name in env:
            workers = _positive_int(env, name)
            reasons["workers"] = f"env {name}"
            break

    threads = max(1, math.ceil(cpus / workers))
    reasons["threads"] = f"ceil({cpus:g} CPUs / {workers} workers), at least 1"
    request_threads = DEFAULT_REQUEST_THREADS
    reasons["request_threads"] = (f"default: {DEFAULT_WORKER_CLASS} with "
                                  f"{DEFAULT_REQUEST_THREADS} threads per worker (nothing "
                                  "measured)")
    if THREADS_ENV in env:
        threads = request_threads = _positive_int(env, THREADS_ENV)
        reasons["threads"] = reasons["request_threads"] = f"env {THREADS_ENV}"
    measured = THREADS_ENV in env or any(name in env for name in WORKER_ENVS)
    # one measured thread is a sync worker (what profile recommends for a CPU-bound app)
    klass = "sync" if request_threads == 1 else DEFAULT_WORKER_CLASS
    return WorkerPlan(workers, threads, lim, reasons, request_threads=request_threads,
                      worker_class=klass, measured=measured)


def blas_environ(plan: WorkerPlan, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The BLAS/OpenMP variables to add (those not already set), sized to ``plan.threads``."""
    env = os.environ if environ is None else environ
    return {name: str(plan.threads) for name in BLAS_VARIABLES if name not in env}


def apply_blas_limits(plan: WorkerPlan | None = None) -> dict[str, str]:
    """Set the BLAS/OpenMP variables in ``os.environ`` (call before importing numpy)."""
    added = blas_environ(plan or plan_workers())
    os.environ.update(added)
    return added


def summary(plan: WorkerPlan) -> dict[str, object]:
    """The JSON shape ``podfit limits --format json`` prints."""
    lim = plan.limits
    sources = dict(lim.sources)
    sources.update(plan.reasons)
    return {
        "cpu_limit": lim.cpu_limit,
        "cpu_quota": lim.cpu_quota,
        "memory_limit_bytes": lim.memory_limit_bytes,
        "memory_high_bytes": lim.memory_high_bytes,
        "cgroup_version": lim.cgroup_version,
        "cpu_count": lim.cpu_count,
        "workers": plan.workers,
        "threads": plan.threads,
        "worker_class": plan.worker_class,
        "request_threads": plan.request_threads,
        "concurrency": plan.concurrency,
        "sources": sources,
    }
