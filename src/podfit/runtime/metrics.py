"""Prometheus RED metrics with OpenTelemetry names, correct under multi-process servers.

``http_server_request_duration_seconds`` (histogram; labels ``http_request_method``,
``http_route``, ``http_response_status_code``) and ``http_server_active_requests``, plus
container gauges read from the cgroup at scrape time. prometheus_client is optional: without
it every function here is a no-op and ``/metrics`` answers 404.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
#: OpenTelemetry's advised buckets (identical to prometheus_client's defaults), in seconds.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE",
                     "PATCH"})

_instruments: tuple[Any, Any] | None = None
_unavailable = False
_lock = threading.Lock()  # gthread workers and ASGI thread pools race on first creation


def available() -> bool:
    """Whether prometheus_client can be imported."""
    import importlib.util

    return importlib.util.find_spec("prometheus_client") is not None


def prepare_multiprocess_dir(environ: dict[str, str] | None = None) -> str | None:
    """Create and wipe the multiprocess directory; set ``PROMETHEUS_MULTIPROC_DIR`` if unset.

    Must run in the server's master before prometheus_client is imported anywhere and before
    workers fork. A kept ``emptyDir`` survives container restarts, so stale files are removed.
    """
    env = os.environ if environ is None else environ
    if not available():
        return None
    path = env.get(MULTIPROC_ENV)
    if not path:
        path = tempfile.mkdtemp(prefix="podfit-metrics-", dir="/dev/shm"
                                if os.path.isdir("/dev/shm") else None)
        env[MULTIPROC_ENV] = path
    directory = Path(path)
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    return path


def remove_multiprocess_dir(path: str) -> None:
    """Remove a directory made by :func:`prepare_multiprocess_dir` (at server exit)."""
    if Path(path).name.startswith("podfit-metrics-"):
        shutil.rmtree(path, ignore_errors=True)


#: Metric files that are sums across processes, so a dead process's values can be folded
#: into one archive file per type without changing what a scrape shows.
MERGEABLE = ("counter", "histogram", "summary")


@contextlib.contextmanager
def _dir_lock(path: str, exclusive: bool) -> Iterator[None]:
    """Scrapes (shared) and merges (exclusive) never see a file half-moved."""
    import fcntl

    with open(os.path.join(path, ".podfit.lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def merge_dead_process(pid: int, path: str | None = None) -> int:
    """Fold a dead worker's counter/histogram/summary files into ``<type>_archive.db`` and
    delete them, so recycled workers do not pile up files that every scrape must read
    (prometheus/client_python#568). Returns the number of files merged."""
    directory = path or os.environ.get(MULTIPROC_ENV)
    if not directory:
        return 0
    from prometheus_client import mmap_dict

    mmaped: Any = mmap_dict.MmapedDict  # untyped in prometheus_client
    merged = 0
    with _dir_lock(directory, exclusive=True):
        for kind in MERGEABLE:
            dead = os.path.join(directory, f"{kind}_{pid}.db")
            if not os.path.exists(dead):
                continue
            archive = mmaped(os.path.join(directory, f"{kind}_archive.db"))
            try:
                for key, value, _stamp, _pos in mmaped.read_all_values_from_file(dead):
                    current, _ = archive.read_value(key)
                    archive.write_value(key, current + value, 0.0)
            finally:
                archive.close()
            os.remove(dead)
            merged += 1
    return merged


def mark_process_dead(pid: int) -> None:
    """A worker exited: drop its live gauges and fold its counters and histograms into the
    archive (their values stay in every scrape; ``PODFIT_METRICS_MERGE=0`` keeps the files)."""
    if os.environ.get(MULTIPROC_ENV) and available():
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]  # untyped lib
        if os.environ.get("PODFIT_METRICS_MERGE", "1") != "0":
            merge_dead_process(pid)


def instruments() -> tuple[Any, Any] | None:
    """``(duration histogram, active-requests gauge)``, created once per process."""
    global _instruments, _unavailable  # noqa: PLW0603  # metrics are per-process singletons
    if _instruments is not None or _unavailable:
        return _instruments
    with _lock:
        if _instruments is not None:
            return _instruments
        try:
            from prometheus_client import Gauge, Histogram
        except ImportError:
            _unavailable = True
            return None
        _instruments = (
            Histogram("http_server_request_duration_seconds",
                      "Duration of HTTP server requests.",
                      ["http_request_method", "http_route", "http_response_status_code"],
                      buckets=BUCKETS),
            Gauge("http_server_active_requests", "Number of active HTTP server requests.",
                  ["http_request_method"], multiprocess_mode="livesum"),
        )
    return _instruments


def method_label(method: str) -> str:
    """OTel: unknown methods become ``_OTHER`` (bounded cardinality)."""
    return method if method in METHODS else "_OTHER"


class ContainerCollector:
    """Container gauges read from the cgroup at scrape time."""

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        from podfit.runtime.limits import read_limits, read_usage

        lim = read_limits()
        use = read_usage(lim)
        yield GaugeMetricFamily("podfit_container_cpu_limit_cores",
                                "CPU cores the pod may use (quota clamped by affinity).",
                                value=lim.effective_cpus)
        if use.periods is not None:
            yield CounterMetricFamily("podfit_container_cpu_periods",
                                      "CFS enforcement periods elapsed.", value=use.periods)
        if use.throttled_periods is not None:
            yield CounterMetricFamily("podfit_container_cpu_throttled_periods",
                                      "CFS periods in which the group was throttled.",
                                      value=use.throttled_periods)
        if use.throttled_seconds is not None:
            yield CounterMetricFamily("podfit_container_cpu_throttled_seconds",
                                      "Time the group spent throttled.",
                                      value=use.throttled_seconds)
        if use.memory_bytes is not None:
            yield GaugeMetricFamily("podfit_container_memory_usage_bytes",
                                    "Memory charged to the cgroup.", value=use.memory_bytes)
        if lim.memory_limit_bytes is not None:
            yield GaugeMetricFamily("podfit_container_memory_limit_bytes",
                                    "Hard memory limit.", value=lim.memory_limit_bytes)


def render() -> tuple[bytes, str] | None:
    """The exposition text for ``/metrics`` (all workers when multiprocess), or ``None``."""
    try:
        from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
        from prometheus_client.exposition import CONTENT_TYPE_LATEST
    except ImportError:
        return None
    extra = CollectorRegistry()
    extra.register(ContainerCollector())
    directory = os.environ.get(MULTIPROC_ENV)
    if directory:
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # untyped
        with _dir_lock(directory, exclusive=False):
            body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    return body + generate_latest(extra), CONTENT_TYPE_LATEST


# --- Worker metrics for `podfit recommend`: what only the app knows -----------------------
# podfit_workers (live worker processes), podfit_worker_memory_bytes (largest live worker's
# RSS), podfit_request_slots / podfit_request_slots_busy (threads that can serve a request,
# and those serving one now), podfit_worker_restarts_total{reason} (oom, timeout, error,
# recycled). recommend reads them to size memory as base + workers × per-worker, to see a
# worker OOM-killed inside a container that keeps running, and to size HPA'd pods per slot.

WORKER_EXIT_REASONS = ("oom", "timeout", "error", "recycled")
_worker_instruments: dict[str, Any] | None = None


def worker_instruments() -> dict[str, Any] | None:
    """The worker gauges and the restart counter, created once per process (or ``None``)."""
    global _worker_instruments  # noqa: PLW0603  # metrics are per-process singletons
    if _worker_instruments is not None:
        return _worker_instruments
    with _lock:
        if _worker_instruments is not None:
            return _worker_instruments
        try:
            from prometheus_client import Counter, Gauge
        except ImportError:
            return None
        _worker_instruments = {
            "workers": Gauge("podfit_workers", "Live worker processes.",
                             multiprocess_mode="livesum"),
            "memory": Gauge("podfit_worker_memory_bytes",
                            "Resident memory of the largest live worker.",
                            multiprocess_mode="livemax"),
            "slots": Gauge("podfit_request_slots", "Threads that can serve a request.",
                           multiprocess_mode="livesum"),
            "busy": Gauge("podfit_request_slots_busy", "Request slots serving a request now.",
                          multiprocess_mode="livesum"),
            "restarts": Counter("podfit_worker_restarts_total",
                                "Worker processes that exited, by reason.", ["reason"]),
        }
    return _worker_instruments


def _rss_bytes() -> int | None:
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def worker_started(slots: int = 1) -> None:
    """Call in each worker after fork (gunicorn ``post_fork``): one worker, ``slots`` threads."""
    inst = worker_instruments()
    if inst is None:
        return
    inst["workers"].set(1)
    inst["slots"].set(slots)
    sample_worker_memory()


def sample_worker_memory() -> None:
    """Record this worker's RSS (cheap: one read of /proc/self/statm)."""
    inst = worker_instruments()
    rss = _rss_bytes()
    if inst is not None and rss is not None:
        inst["memory"].set(rss)


def slot_taken() -> None:
    """A request slot starts serving (gunicorn ``pre_request``); pair with ``slot_freed``."""
    inst = worker_instruments()
    if inst is not None:
        inst["busy"].inc()


def slot_freed() -> None:
    """The slot is free again (gunicorn ``post_request``); refresh the worker's RSS."""
    inst = worker_instruments()
    if inst is not None:
        inst["busy"].dec()
        sample_worker_memory()


@contextlib.contextmanager
def busy_slot() -> Iterator[None]:
    """Count a request slot as busy while the block runs; refresh the worker's RSS after."""
    slot_taken()
    try:
        yield
    finally:
        slot_freed()


def exit_marker(directory: str, pid: int) -> str:
    """The file a worker leaves when it exits on its own (gunicorn ``worker_exit``), so the
    master can tell it from a worker the kernel killed: gunicorn's ``child_exit`` does not get
    the exit status, and a SIGKILLed process runs no hook."""
    return os.path.join(directory, f"podfit-exited-{pid}.mark")


def exit_reason(status: int, *, timed_out: bool = False) -> str:
    """Why a worker exited, from its ``waitpid`` status: the kernel OOM killer sends SIGKILL;
    gunicorn's timeout sends SIGABRT first (``timed_out`` when the arbiter said so)."""
    import signal

    if timed_out or (os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGABRT):
        return "timeout"
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
        return "oom"
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
        return "recycled"
    return "error"


def worker_exited(reason: str) -> None:
    """Call in the master when a worker exits (gunicorn ``child_exit``)."""
    inst = worker_instruments()
    if inst is not None:
        inst["restarts"].labels(reason if reason in WORKER_EXIT_REASONS else "error").inc()
