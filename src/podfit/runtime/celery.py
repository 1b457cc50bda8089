"""Celery workers for pods: concurrency from the limits, warm shutdown that fits the grace period.

``app.conf.update(podfit.runtime.celery.settings())`` or ``configure(app)``. On SIGTERM a
Celery worker stops taking tasks and finishes the running ones (warm shutdown); the soft
shutdown timeout bounds that to ``T − margin`` so tasks are not SIGKILLed mid-write, and late
acks requeue a task that still gets killed (tasks must then be idempotent).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from podfit.runtime.drain import MARGIN, DrainSettings
from podfit.runtime.policy import plan_workers


def settings(environ: Mapping[str, str] | None = None,
             worker_memory_bytes: int | None = None) -> dict[str, Any]:
    """Celery configuration keys (lower-case, Celery ≥ 5.5) for this pod."""
    env = os.environ if environ is None else environ
    plan = plan_workers(environ=env, worker_memory_bytes=worker_memory_bytes)
    grace = DrainSettings.from_env(env).grace_seconds
    soft = max(1.0, grace - MARGIN)
    return {
        "worker_concurrency": plan.workers,
        # one message reserved per process: a long task does not hold others hostage, and a
        # shutdown leaves no prefetched messages waiting for a visibility timeout
        "worker_prefetch_multiplier": 1,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        # after SIGTERM: running tasks get until T - margin, then a cold shutdown requeues them
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
    if env.get("PODFIT_JSON_LOGS", "1") != "0":
        from celery import signals

        # a receiver on setup_logging makes Celery skip its own logging configuration
        signals.setup_logging.connect(_json_logging, weak=False)
    return changes


def _json_logging(**_: Any) -> None:
    from podfit.runtime.logs import configure_logging

    configure_logging()
