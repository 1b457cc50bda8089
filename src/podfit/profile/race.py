"""Racing: the search's best candidates run side by side, and short closed-loop rounds go to
them in turn (ABCABC, so host drift hits all alike). A candidate whose throughput interval
lies clearly below the leader's is dropped; the leaders keep being measured. The winner then
soaks long enough for thousands of requests, which measures memory growth per request."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import psutil

from podfit.profile import noise, stats
from podfit.profile.cgroups import Limits
from podfit.profile.load import LoadDriver, Target
from podfit.profile.results import Entry, RaceResult, Soak
from podfit.profile.runner import RunSettings, connections_for, wait_ready
from podfit.profile.sandbox import App, Backend
from podfit.profile.server import ServerCommand, free_port

#: "Within 5 %": a candidate ties unless its upper bound lies below 95 % of a lower bound.
NEAR_BEST = 0.95


def cost(entry: Entry) -> tuple[int, int, float, str]:
    """The fixed tie order: fewest processes, then fewest threads (the cheapest in memory and
    CPU that still reaches the tie), then the smaller CPU limit; the class name only makes the
    order total."""
    return (entry.workers, entry.threads, entry.cpu_limit or 0.0, entry.worker_class)


def ties(entries: Iterable[Entry], near_best: float = NEAR_BEST) -> list[Entry]:
    """The entries not shown to be more than ``1 - near_best`` below another: upper bound ≥
    ``near_best`` × the highest lower bound. It depends on the set of intervals only (not
    on their order, nor on which mean happens to be highest), sorted by ``cost``: the first
    is the choice. Never empty for a non-empty input (the highest lower bound ties itself)."""
    pool = list(entries)
    if not pool:
        return []
    floor = near_best * max(e.interval.low for e in pool)
    return sorted((e for e in pool if e.interval.high >= floor), key=cost)


@dataclass(frozen=True)
class RaceSettings:
    """How candidates are raced and the winner soaked."""

    repeats: int = 5
    """Rounds per candidate at most (``--repeats``)."""
    min_repeats: int = 3
    """Rounds every candidate gets before any is dropped."""
    confidence: float = 0.95
    """Confidence of the intervals (``--confidence``)."""
    round_s: float = 1.0
    """Length of one closed-loop round."""
    candidates: int = 4
    """At most this many configurations enter the race."""
    soak_requests: int = 3000
    """The soak runs until the winner has served this many requests …"""
    soak_max_s: float = 30.0
    """… or for this long, whichever comes first."""


@dataclass(frozen=True)
class Config:
    workers: int
    threads: int
    cpu_limit: float | None
    command: ServerCommand
    """The command to run it with (an async alternative swaps the worker class)."""

    @property
    def key(self) -> tuple[int, int, float | None, str]:
        return (self.workers, self.threads, self.cpu_limit, self.worker_class)

    @property
    def worker_class(self) -> str:
        return self.command.worker_class(self.threads)


@dataclass
class _Live:
    """A running candidate (mutable while racing; frozen into an ``Entry`` at the end)."""

    config: Config
    app: App
    target: Target
    connections: int
    startup_peak: int
    samples: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    shares: list[float] = field(default_factory=list)
    served: int = 0
    dropped_after: int | None = None
    failed: str = ""


def _worker_cpu(app: App) -> dict[int, float]:
    master = app.master_pid()
    times: dict[int, float] = {}
    for pid in app.pids():
        if pid == master:
            continue
        with contextlib.suppress(psutil.Error):
            t = psutil.Process(pid).cpu_times()
            times[pid] = t.user + t.system
    return times


def _start(backend: Backend, config: Config, settings: RunSettings, driver: LoadDriver,
           memory_limit: int | None) -> _Live | str:
    target = Target(settings.host, free_port(settings.host), settings.path)
    argv, env = config.command.build(config.workers, config.threads, *(
        ("0.0.0.0", settings.container_port) if settings.container_port is not None
        else (settings.host, target.port)))
    app = backend.launch(argv, env, Limits(config.cpu_limit, memory_limit),
                         settings.host, target.port)
    try:
        wait_ready(app, target, settings.ready_timeout_s)
    except Exception:
        app.close()
        return "did not become ready"
    startup = app.stats().memory_peak
    app.reset_peak()
    conns = connections_for(config.workers, config.threads, config.worker_class)
    driver.closed(target, conns, settings.warmup_s)
    return _Live(config, app, target, conns, startup)


def _round(live: _Live, driver: LoadDriver, seconds: float) -> tuple[float, float]:
    """One closed-loop round; returns (other processes' CPU cores, steal ratio)."""
    before, host0, t0 = live.app.stats(), noise.read_host_cpu(), time.monotonic()
    workers0 = _worker_cpu(live.app)
    result = driver.closed(live.target, live.connections, seconds)
    after, host1, wall = live.app.stats(), noise.read_host_cpu(), time.monotonic() - t0
    workers1 = _worker_cpu(live.app)
    app_cores = (after.cpu_usage_s - before.cpu_usage_s) / wall
    live.samples.append(result.rps)
    live.cpu.append(app_cores)
    live.served += result.requests
    deltas = [workers1[p] - workers0[p] for p in workers1 if p in workers0]
    if len(deltas) > 1 and sum(deltas) > 0:
        live.shares.append(min(deltas) / sum(deltas) * len(deltas))
    if after.oom_kills or live.app.poll() is not None:
        live.failed = "OOM-killed" if after.oom_kills else "exited during the race"
    host_busy = (host1.busy_s - host0.busy_s) / wall
    total = host1.total_s - host0.total_s
    steal = (host1.steal_s - host0.steal_s) / total if total > 0 else 0.0
    time.sleep(min(1.0, 0.05 + result.max_ms / 1000))  # let the backlog drain
    return max(0.0, host_busy - app_cores - result.generator_cpu_cores), steal


def _score(live: _Live, several_cpus: bool) -> list[float]:
    cpu = live.config.cpu_limit
    return [s / cpu for s in live.samples] if several_cpus and cpu else list(live.samples)


def race(backend: Backend, configs: list[Config], *, run_settings: RunSettings,
         settings: RaceSettings, driver: LoadDriver, memory_limit: int | None,
         deadline: float, notify: Callable[[str], None] | None = None) -> RaceResult:
    """Race ``configs`` until ``repeats`` rounds each, one left, or ``deadline`` (monotonic)."""
    say = notify or (lambda text: None)
    lives: list[_Live] = []
    notes: list[str] = []
    other: list[float] = []
    steal: list[float] = []
    try:
        for config in configs:
            started = _start(backend, config, run_settings, driver, memory_limit)
            if isinstance(started, str):
                notes.append(f"{config.workers}w×{config.threads}t: {started}; not raced")
            else:
                lives.append(started)
        several = len({lv.config.cpu_limit for lv in lives}) > 1
        rounds = 0
        for rounds in range(1, settings.repeats + 1):
            active = [lv for lv in lives if lv.dropped_after is None and not lv.failed]
            for live in active:
                o, s = _round(live, driver, settings.round_s)
                other.append(o)
                steal.append(s)
            say(f"race round {rounds}: " + ", ".join(
                f"{lv.config.workers}w×{lv.config.threads}t {lv.samples[-1]:.0f}"
                for lv in active if lv.samples))
            active = [lv for lv in active if not lv.failed]
            if rounds >= settings.min_repeats and len(active) > 1:
                ints = {id(lv): stats.interval(_score(lv, several), settings.confidence)
                        for lv in active}
                # Clearly slower than the best-established candidate: the highest lower
                # bound, whoever holds it (not the highest mean, which noise reorders).
                floor = max(iv.low for iv in ints.values())
                for live in active:
                    if ints[id(live)].high < floor:
                        live.dropped_after = rounds
                        live.app.close()
            remaining = [lv for lv in lives if lv.dropped_after is None and not lv.failed]
            enough = rounds >= settings.min_repeats  # an interval needs a few rounds
            if (len(remaining) <= 1 and enough) or not remaining or time.monotonic() + len(
                    remaining) * (settings.round_s + 0.5) > deadline:
                if len(remaining) > 1 and rounds < settings.repeats:
                    notes.append(f"time budget: race stopped after {rounds} round(s)")
                break
        entries = tuple(_entry(lv, several, settings) for lv in lives)
        winner = _winner(lives, entries)
        soak = _soak(winner, driver, settings, deadline) if winner else None
        leader_entry = max((e for e in entries if e.status == "ok"),
                           key=lambda e: e.interval.value, default=None)
        half = stats.relative_half_width(leader_entry.interval) if leader_entry else 0.0
        variations = [stats.coefficient_of_variation(lv.samples) for lv in lives
                      if len(lv.samples) > 1]
        judged = noise.judge(other, steal, variations, half,
                             leader_entry.interval.repeats if leader_entry else 0)
        return RaceResult(entries, rounds, judged, soak, tuple(notes))
    finally:
        for live in lives:
            live.app.close()


def _entry(live: _Live, several: bool, settings: RaceSettings) -> Entry:
    c = live.config
    peak = live.app.stats().memory_peak if live.dropped_after is None and not live.failed \
        else 0
    return Entry(c.workers, c.threads, c.worker_class, c.cpu_limit, tuple(live.samples),
                 stats.interval(_score(live, several), settings.confidence),
                 sum(live.cpu) / len(live.cpu) if live.cpu else 0.0, live.dropped_after,
                 live.startup_peak, peak, min(live.shares) if live.shares else 1.0,
                 "failed" if live.failed else "ok", live.failed)


def _winner(lives: list[_Live], entries: tuple[Entry, ...]) -> _Live | None:
    """The soak runs on the configuration the model will choose: the first of the ties in
    the fixed order (as ``model.choose_raced`` without a previous profile)."""
    ok = [(lv, e) for lv, e in zip(lives, entries, strict=True)
          if e.status == "ok" and e.dropped_after is None]
    if not ok:
        return None
    first = ties(e for _, e in ok)[0]
    return next(lv for lv, e in ok if e is first)


def _resident(app: App) -> int:
    """The app's processes' resident memory: unlike the cgroup's usage it holds no page
    cache (log files, imports read from disk), which grows without being a leak."""
    total = 0
    for pid in app.pids():
        with contextlib.suppress(psutil.Error):
            total += psutil.Process(pid).memory_info().rss
    return total


def _soak(live: _Live, driver: LoadDriver, settings: RaceSettings, deadline: float) -> Soak:
    """Closed-loop rounds on the winner until ``soak_requests`` served or time is up; the
    processes' resident memory after each round against requests served gives growth per
    request. The first third of the points is left out of the fit: per-thread malloc arenas
    and caches fill up early and then stay, which is not a leak."""
    started = time.monotonic()
    points: list[tuple[int, int]] = [(live.served, _resident(live.app))]
    end = min(started + settings.soak_max_s, max(deadline, started + 8.0))
    while (live.served - points[0][0] < settings.soak_requests or len(points) < 6) and \
            time.monotonic() + 2.0 < end:
        result = driver.closed(live.target, live.connections, 2.0)
        live.served += result.requests
        points.append((live.served, _resident(live.app)))
        if live.app.poll() is not None:
            break
    fit = stats.slope([(float(r), float(m)) for r, m in points[len(points) // 3:]])
    return Soak(live.served - points[0][0], round(time.monotonic() - started, 2),
                fit[0] * 1000, fit[1] * 1000, fit[2] * 1000, tuple(points),
                live.app.stats().memory_peak)
