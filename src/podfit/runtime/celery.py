"""Celery workers for pods: concurrency from the limits, a shutdown that fits the grace period.

``configure(app)`` (or ``app.conf.update(settings())``), and ``REMAP_SIGTERM=SIGQUIT`` in the
pod's environment (billiard reads it at import, before any app code runs). Then SIGTERM starts
Celery's soft shutdown: running tasks get ``T − 8 s`` to finish, after which a cold shutdown
hands their unacknowledged messages back to the broker (late acks), all before the kubelet's
SIGKILL at ``T``. Without the remap, SIGTERM is a warm shutdown that waits for running tasks
without a bound. Requeued tasks run again, so they must be idempotent.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from podfit.runtime.drain import DrainSettings
from podfit.runtime.policy import plan_workers

#: Seconds left after the soft shutdown for Celery's cold shutdown (stop the consumer, restore
#: unacknowledged messages, terminate the pool): measured at up to ~6 s on a loaded 2-CPU host.
COLD_SHUTDOWN_SECONDS = 8.0


def settings(environ: Mapping[str, str] | None = None,
             worker_memory_bytes: int | None = None) -> dict[str, Any]:
    """Celery configuration keys (lower-case, Celery ≥ 5.5) for this pod."""
    env = os.environ if environ is None else environ
    plan = plan_workers(environ=env, worker_memory_bytes=worker_memory_bytes)
    grace = DrainSettings.from_env(env).grace_seconds
    soft = max(1.0, grace - COLD_SHUTDOWN_SECONDS)
    return {
        # processes, not threads: tasks are usually CPU-heavy or block in C code; the gunicorn
        # threaded default is for request handlers that wait
        "worker_pool": "prefork",
        "worker_concurrency": plan.workers,
        # one message reserved per process: a long task does not hold others hostage, and a
        # shutdown leaves no prefetched messages waiting for a visibility timeout
        "worker_prefetch_multiplier": 1,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        # with REMAP_SIGTERM=SIGQUIT in the pod's env, SIGTERM starts a soft shutdown: running
        # tasks get T - 8 s, then a cold shutdown hands unacknowledged messages back
        "worker_soft_shutdown_timeout": soft,
        "worker_enable_soft_shutdown_on_idle": True,
        "worker_hijack_root_logger": False,
    }


def configure(app: Any, environ: Mapping[str, str] | None = None,
              worker_memory_bytes: int | None = None) -> dict[str, Any]:
    """Apply :func:`settings` to a Celery app, keeping keys the app already set explicitly."""
    values = settings(environ, worker_memory_bytes)
    changes = {key: value for key, value in values.items()
               if key not in getattr(app.conf, "changes", {})}
    app.conf.update(changes)
    env = os.environ if environ is None else environ
    if env.get("REMAP_SIGTERM") != "SIGQUIT":
        import logging

        logging.getLogger("podfit.celery").warning(
            "REMAP_SIGTERM is not SIGQUIT: SIGTERM will wait for running tasks without a "
            "bound; set REMAP_SIGTERM=SIGQUIT in the pod's environment")
    if env.get("PODFIT_JSON_LOGS", "1") != "0":
        from celery import signals

        # a receiver on setup_logging makes Celery skip its own logging configuration
        signals.setup_logging.connect(_json_logging, weak=False)
    return changes


def _json_logging(**_: Any) -> None:
    from podfit.runtime.logs import configure_logging

    configure_logging()
