"""Measure one configuration: start it under limits, wait until ready, warm up, drive
closed-loop load for capacity and open-loop load at fractions of it for latency."""

from __future__ import annotations

import contextlib
import http.client
import time
from dataclasses import dataclass, replace

import psutil

from podfit.core.errors import ProfileError
from podfit.profile.cgroups import CgroupStats, Limits
from podfit.profile.load import LoadDriver, Target
from podfit.profile.results import LoadResult, ProcessMemory, RunResult
from podfit.profile.sandbox import App, Backend
from podfit.profile.server import ServerCommand, free_port

#: Fewest requests an open-loop phase sends (it runs longer at low rates, up to 3×).
MIN_SAMPLES = 100


@dataclass(frozen=True)
class RunSettings:
    """How each configuration is measured."""

    host: str = "127.0.0.1"
    """Address load goes to (and the app binds); loopback keeps load off the network."""
    path: str = "/"
    """URL path requested."""
    slo_p99_s: float = 0.2
    """Latency objective: a rate counts as sustainable only if p99 stays at or below it."""
    warmup_s: float = 1.0
    """Unmeasured load before the capacity phase (imports, caches, JIT-like warm paths)."""
    duration_s: float = 2.0
    """Closed-loop capacity phase length."""
    open_duration_s: float = 1.5
    """Length of each open-loop fixed-rate phase."""
    open_fractions: tuple[float, ...] = (0.5, 0.75, 0.9)
    """Fixed rates tried, as fractions of the closed-loop throughput (ascending)."""
    ready_timeout_s: float = 30.0
    """How long the app may take to answer its first request."""
    max_error_ratio: float = 0.001
    """Errors tolerated in a phase that still counts as meeting the SLO."""
    use_wrk: bool | None = None
    """Closed-loop generator: wrk (True), built-in (False), wrk when installed (None)."""
    container_port: int | None = None
    """Port the app listens on inside a container (container backend only)."""


def _get(target: Target, timeout: float = 1.0) -> int:
    conn = http.client.HTTPConnection(target.host, target.port, timeout=timeout)
    try:
        conn.request("GET", target.path)
        return conn.getresponse().status
    finally:
        conn.close()


def wait_ready(app: App, target: Target, timeout: float) -> float:
    """Seconds until the app answers any HTTP response; ``ProfileError`` if it exits."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        code = app.poll()
        if code is not None:
            raise _Crashed(code)
        with contextlib.suppress(OSError, http.client.HTTPException):
            _get(target)
            return time.monotonic() - started
        time.sleep(0.05)
    raise _NotReady


class _Crashed(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class _NotReady(Exception):
    pass


def connections_for(workers: int, threads: int, worker_class: str) -> int:
    """More connections than request slots (twice over, up to 1024), so the generator is
    never what limits throughput; async workers have no slot count, 64 keeps them busy."""
    if worker_class not in ("sync", "gthread"):
        return 64
    return max(4, min(1024, 2 * workers * threads))


def _memory(app: App) -> tuple[ProcessMemory, ...]:
    master = app.master_pid()
    found = []
    for pid in app.pids():
        with contextlib.suppress(psutil.Error, OSError):
            info = psutil.Process(pid).memory_full_info()
            found.append(ProcessMemory(pid, "master" if pid == master else "worker",
                                       info.rss, getattr(info, "pss", info.rss), info.uss))
    return tuple(found)


def _cpu(before: CgroupStats, after: CgroupStats, wall: float) -> float:
    return (after.cpu_usage_s - before.cpu_usage_s) / wall if wall > 0 else 0.0


def _meets(result: LoadResult, settings: RunSettings) -> bool:
    errors_ok = result.errors <= settings.max_error_ratio * max(1, result.requests)
    return errors_ok and result.p99_ms <= settings.slo_p99_s * 1000


def measure(backend: Backend, command: ServerCommand, *, workers: int, threads: int,
            limits: Limits, settings: RunSettings, driver: LoadDriver | None = None) -> RunResult:
    """One configuration, start to cleanup; a crash or OOM is a result, not an exception."""
    if driver is None:
        own = LoadDriver(settings.use_wrk)
        try:
            return measure(backend, command, workers=workers, threads=threads, limits=limits,
                           settings=settings, driver=own)
        finally:
            own.close()
    target = Target(settings.host, free_port(settings.host), settings.path)
    argv, env = command.build(workers, threads, *(
        ("0.0.0.0", settings.container_port) if settings.container_port is not None
        else (settings.host, target.port)))
    klass = command.worker_class(threads)
    base = RunResult(workers=workers, threads=threads, worker_class=klass,
                     cpu_limit=limits.cpu, memory_limit=limits.memory, status="ok")
    app = backend.launch(argv, env, limits, settings.host, target.port)
    try:
        try:
            ready = wait_ready(app, target, settings.ready_timeout_s)
        except _Crashed as exc:
            stats = app.stats()
            status = "oom" if stats.oom_kills or exc.code in (-9, 137) else "crashed"
            return _failed(base, status, f"exited with {exc.code} before ready",
                           app.stderr_tail(), stats)
        except _NotReady:
            stats = app.stats()
            return _failed(base, "oom" if stats.oom_kills else "not-ready",
                           f"no HTTP answer within {settings.ready_timeout_s:g}s"
                           + (f" ({stats.oom_kills} OOM kill(s))" if stats.oom_kills else ""),
                           app.stderr_tail(), stats)
        conns = connections_for(workers, threads, klass)
        warm = driver.closed(target, conns, settings.warmup_s)
        _settle(warm)
        before, t0 = app.stats(), time.monotonic()
        closed = driver.closed(target, conns, settings.duration_s)
        after, wall = app.stats(), time.monotonic() - t0
        _settle(closed)
        processes = _memory(app)
        closed = _with_cpu(closed, _cpu(before, after, wall))
        opens, capacity, cpu_at_capacity = _probe(app, driver, target, closed.rps, settings)
        end = app.stats()
        status, note = "ok", ""
        if end.oom_kills:
            status, note = "oom", f"{end.oom_kills} OOM kill(s) during load"
        elif app.poll() is not None:
            status, note = "crashed", f"exited with {app.poll()} during load"
        return RunResult(
            workers=workers, threads=threads, worker_class=klass, cpu_limit=limits.cpu,
            memory_limit=limits.memory, status=status, note=note, ready_s=round(ready, 3),
            closed=closed, open=tuple(opens), capacity_rps=round(capacity, 1),
            cpu_cores_at_capacity=round(cpu_at_capacity, 3),
            cpu_cores=round(closed.app_cpu_cores, 3),
            throttled_periods=after.nr_throttled - before.nr_throttled,
            total_periods=after.nr_periods - before.nr_periods,
            throttled_s=round(after.throttled_s - before.throttled_s, 3),
            memory_peak=end.memory_peak, oom_kills=end.oom_kills, processes=processes)
    except RuntimeError as exc:  # the load generator itself failed
        raise ProfileError(str(exc), "is wrk working? try --generator builtin") from exc
    finally:
        app.close()


def _probe(app: App, driver: LoadDriver, target: Target, max_rps: float,
           settings: RunSettings) -> tuple[list[LoadResult], float, float]:
    """Open-loop phases at rising fractions of ``max_rps`` until one misses the SLO.

    The capacity is the highest rate that met it, moved towards the first rate that missed
    it by linear interpolation of p99 between the two (when only latency, not errors, failed):
    a coarse ladder of rates would otherwise make capacity jump by a whole step on noise.
    """
    opens: list[LoadResult] = []
    capacity, cpu_at_capacity = 0.0, 0.0
    passed: LoadResult | None = None
    passed_rate = 0.0
    for fraction in settings.open_fractions:
        rate = max_rps * fraction
        if rate < 1 or app.poll() is not None:
            break
        s0, t1 = app.stats(), time.monotonic()
        # At least MIN_SAMPLES requests, so that p99 is not just the slowest of a few.
        duration = min(3 * settings.open_duration_s,
                       max(settings.open_duration_s, MIN_SAMPLES / rate))
        result = driver.open(target, rate, duration)
        cpu = _cpu(s0, app.stats(), time.monotonic() - t1)
        opens.append(_with_cpu(result, cpu))
        if not _meets(result, settings):
            if passed is not None and _meets(replace(result, p99_ms=0.0), settings):
                capacity = _interpolate(passed, result, settings.slo_p99_s * 1000)
                # CPU grows with the rate between the two phases too.
                cpu_at_capacity += (cpu - cpu_at_capacity) * (capacity - passed_rate) / max(
                    1e-9, rate - passed_rate)
            break
        capacity, cpu_at_capacity, passed, passed_rate = rate, cpu, result, rate
        _settle(result)
    return opens, capacity, cpu_at_capacity


def _interpolate(ok: LoadResult, missed: LoadResult, slo_ms: float) -> float:
    """Rate at which p99 crosses ``slo_ms`` on the line between two measured phases."""
    low, high = ok.target_rps or ok.rps, missed.target_rps or missed.rps
    span = missed.p99_ms - ok.p99_ms
    if span <= 0:
        return low
    return low + (high - low) * min(1.0, max(0.0, (slo_ms - ok.p99_ms) / span))


def _settle(previous: LoadResult) -> None:
    """Let requests a closed-loop generator left queued in the listen backlog drain, so the
    next phase does not start behind them. Draining takes about the slowest closed-loop
    latency (one sync worker behind 64 connections: ~3 s); a 2 s cap left a queue behind."""
    time.sleep(min(5.0, 0.1 + previous.max_ms / 1000))


def _with_cpu(result: LoadResult, cores: float) -> LoadResult:
    return replace(result, app_cpu_cores=round(cores, 3))


def _failed(base: RunResult, status: str, note: str, tail: str,
            stats: CgroupStats) -> RunResult:
    detail = f"{note}; last output:\n{tail}" if tail else note
    return replace(base, status=status, note=detail, memory_peak=stats.memory_peak,
                   oom_kills=stats.oom_kills)
