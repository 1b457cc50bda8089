"""A gunicorn configuration for pods: ``gunicorn -c python:podfit.runtime.gunicorn_conf app:app``.

Workers from the pod's limits and, when nothing was measured, gunicorn's ``gthread`` class
with ``policy.DEFAULT_REQUEST_THREADS`` threads per worker (a sync worker serves one request
at a time; ``WEB_CONCURRENCY``/``PODFIT_THREADS``, which ``podfit init --from-profile``
writes, and your own ``worker_class``/``threads`` win); heartbeat files on tmpfs, a graceful
timeout that fits the grace period, long keep-alive, ``--preload`` with ``gc.freeze()`` for
copy-on-write sharing, JSON logs, multi-process Prometheus metrics, probes (from the master on
``PODFIT_HEALTH_PORT``) and the SIGTERM drain. Override anything on the command line, in
``GUNICORN_CMD_ARGS``, or in your own config file::

    from podfit.runtime.gunicorn_conf import *  # noqa: F403
    workers = 3

Hooks are plain functions: call ``podfit.runtime.gunicorn_conf.post_fork(server, worker)`` etc.
from your own hooks if you define them.
"""

from __future__ import annotations

import gc
import os
import signal
from typing import Any

from podfit.runtime import metrics as _metrics
from podfit.runtime.drain import Drainer, DrainSettings
from podfit.runtime.health import HealthServer, get_health, health_port
from podfit.runtime.logs import dict_config
from podfit.runtime.policy import plan_workers

_env = os.environ
_plan = plan_workers()
_drain = DrainSettings.from_env()
_health = get_health()  # the shared page must exist before the first fork
_metrics_dir = (_metrics.prepare_multiprocess_dir()
                if _env.get("PODFIT_METRICS", "1") != "0" else None)
_health_server: HealthServer | None = None

bind = [f"0.0.0.0:{_env.get('PORT', '8000')}"]
workers = _plan.workers
# gthread serves requests from threads: one slow client or query does not block the worker.
# An ASGI app keeps its own class (``-k uvicorn.workers.UvicornWorker`` on the command line
# wins over this file, and uvicorn workers ignore ``threads``).
worker_class = _plan.worker_class
threads = _plan.request_threads
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
graceful_timeout = int(_drain.shutdown_timeout)
keepalive = int(_env.get("PODFIT_KEEPALIVE_SECONDS", "75"))  # > a 60 s proxy idle timeout
timeout = int(_env.get("PODFIT_TIMEOUT_SECONDS", "30"))
preload_app = _env.get("PODFIT_PRELOAD", "1") != "0"
# Recycling against slow memory growth: what `podfit profile`'s soak measured, written by
# `podfit init --from-profile` (0: never recycle, gunicorn's default).
max_requests = int(_env.get("PODFIT_MAX_REQUESTS", "0"))
max_requests_jitter = int(_env.get("PODFIT_MAX_REQUESTS_JITTER", "0"))
logconfig_dict = dict_config() if _env.get("PODFIT_JSON_LOGS", "1") != "0" else {}
_gc_paused = preload_app
if _gc_paused:
    # no collection in the master while the app loads: a collection touches every object's
    # GC header and turns pages private; gc.freeze() in when_ready makes this permanent
    gc.disable()


def on_starting(server: Any) -> None:
    """Master, before the first fork: an explicit ``sync`` class (command line,
    ``GUNICORN_CMD_ARGS`` or your config) keeps one thread — gunicorn would otherwise turn
    it into gthread because of the default ``threads`` this file sets."""
    cfg = server.cfg
    chosen = cfg.settings["worker_class"].get()
    explicit_sync = isinstance(chosen, str) and (chosen == "sync" or chosen.endswith(
        "SyncWorker"))
    if explicit_sync and cfg.threads == _plan.request_threads and _plan.request_threads > 1:
        cfg.set("threads", 1)
        server.worker_class = cfg.worker_class


def when_ready(server: Any) -> None:
    """Master, after the app is loaded and sockets bound: freeze, probes, drain hook."""
    global _health_server  # noqa: PLW0603  # one health listener per master
    if server.cfg.preload_app:
        gc.freeze()  # everything loaded so far: never scanned again, so pages stay shared
    elif _gc_paused:
        gc.enable()  # the user's config turned preload off after this module paused the GC
    server.log.info("podfit: %s", _concurrency_line(server.cfg))
    port = health_port()
    if port is not None:
        _health_server = HealthServer(port, metrics=_metrics.render).start()
        server.log.info("podfit: probes and /metrics on port %d", _health_server.port)
    drainer = Drainer(lambda: server.signal(signal.SIGTERM, None), _drain, _health)
    original = server.handle_term

    def handle_term() -> None:
        if drainer.stopping:
            original()  # raises StopIteration: gunicorn closes sockets and stops workers
        drainer.begin()

    server.handle_term = handle_term


def _concurrency_line(cfg: Any) -> str:
    """What runs and which rule chose it: podfit's plan, or the user's own settings."""
    klass = str(getattr(cfg, "worker_class_str", worker_class)).rsplit(".", 1)[-1]
    if klass in ("ThreadWorker", "SyncWorker"):
        klass = "gthread" if klass == "ThreadWorker" else "sync"
    ours = (cfg.workers, cfg.threads, klass) == (_plan.workers, _plan.request_threads,
                                                 _plan.worker_class)
    if ours:
        return _plan.concurrency
    threads_note = f" x {cfg.threads} thread(s)" if klass in ("gthread", "sync") else ""
    return (f"{cfg.workers} worker(s){threads_note} ({klass}), from your configuration "
            f"(podfit's plan was {_plan.concurrency})")


def post_fork(server: Any, worker: Any) -> None:
    """Worker, just forked: collect again, and drop the master's health socket."""
    if _gc_paused:
        gc.enable()
    if _health_server is not None:
        _health_server.close_in_child()
    if _metrics_dir is not None:  # podfit recommend: workers, request slots, worker memory
        threaded = type(worker).__name__ == "ThreadWorker"
        _metrics.worker_started(slots=max(1, server.cfg.threads) if threaded else 1)


def pre_request(worker: Any, req: Any) -> None:
    """Worker, a request starts: one request slot busy (``podfit_request_slots_busy``)."""
    if _metrics_dir is not None:
        _metrics.slot_taken()


def post_request(worker: Any, req: Any, environ: Any, resp: Any) -> None:
    """Worker, the request is done (gunicorn calls this in a ``finally``): the slot is free."""
    if _metrics_dir is not None:
        _metrics.slot_freed()


_timed_out = False  # per worker process: set when the arbiter aborted it (WORKER TIMEOUT)


def worker_abort(worker: Any) -> None:
    """Worker, SIGABRT from the arbiter's timeout: remembered so the exit counts as one."""
    global _timed_out  # noqa: PLW0603  # one flag per worker process
    _timed_out = True


def worker_exit(server: Any, worker: Any) -> None:
    """Worker, exiting on its own: count a timeout or a ``max_requests`` recycle, and leave a
    marker so the master does not count this exit as a kill."""
    if _metrics_dir is None:
        return
    recycled = bool(worker.max_requests) and worker.nr >= worker.max_requests
    if _timed_out or recycled:
        _metrics.worker_exited("timeout" if _timed_out else "recycled")
    try:
        with open(_metrics.exit_marker(_metrics_dir, os.getpid()), "w", encoding="ascii"):
            pass
    except OSError:
        pass  # the master then counts an OOM: a wrong reason, never a crash of the worker


def post_worker_init(worker: Any) -> None:
    """Worker, app loaded: wrap the app in the podfit middleware (probes on the app port,
    metrics, request ids) unless an adapter already did or ``PODFIT_MIDDLEWARE=0``; WSGI for
    the sync/gthread workers, ASGI for uvicorn's gunicorn workers. Then mark ready."""
    app = getattr(worker, "wsgi", None)
    kind = type(worker).__name__
    if (app is not None and _env.get("PODFIT_MIDDLEWARE", "1") != "0"
            and not getattr(app, "podfit_wrapped", False)):
        from podfit.runtime.middleware import ASGIMiddleware, WSGIMiddleware

        if kind in ("SyncWorker", "ThreadWorker"):
            worker.wsgi = WSGIMiddleware(app, health=_health)
        elif "Uvicorn" in kind:
            worker.wsgi = ASGIMiddleware(app, health=_health)
    _health.mark_ready()


def child_exit(server: Any, worker: Any) -> None:
    """Master, a worker exited: a worker that left no exit marker ran no hook, so it was
    SIGKILLed: by the arbiter after a timeout (``aborted``), else, in a pod, by the kernel's
    OOM killer (a worker killed inside a container that keeps running, which
    kube-state-metrics never sees). Then mark it dead for the metrics (counts are kept)."""
    if _metrics_dir is not None:
        marker = _metrics.exit_marker(_metrics_dir, worker.pid)
        if os.path.exists(marker):
            os.remove(marker)
        else:
            _metrics.worker_exited("timeout" if getattr(worker, "aborted", False) else "oom")
    _metrics.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    """Master, exiting: stop the health listener and remove our own metrics directory."""
    if _health_server is not None:
        _health_server.stop()
    if _metrics_dir is not None:
        _metrics.remove_multiprocess_dir(_metrics_dir)
