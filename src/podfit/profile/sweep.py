"""The search: threads double (1, 2, 4 … 128) while throughput grows by ≥ 5 % and the CPU is
not saturated; workers grow while each one adds ≥ 5 %; both stop before memory runs out.
Every stop is written down, so the report can say why the search ended where it did."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from podfit.core.errors import ProfileError
from podfit.core.policy import max_workers_for_cpu
from podfit.core.progress import Progress, Stage
from podfit.profile.cgroups import Limits
from podfit.profile.load import LoadDriver
from podfit.profile.results import RunResult
from podfit.profile.runner import RunSettings, measure
from podfit.profile.sandbox import Backend
from podfit.profile.server import ServerCommand

#: A further worker or thread count must add at least this much throughput to keep going.
MIN_GAIN = 0.05
#: The app counts as CPU-saturated from this share of its CPU limit (of one core unlimited).
SATURATED = 0.9
#: Thread counts the search doubles through.
THREADS = (1, 2, 4, 8, 16, 32, 64, 128)
#: A step whose single-point gain lies in [AMBIGUOUS, MIN_GAIN) is measured again (both sides,
#: ABBA) before it stops the search: one point varies by more than that on a busy host.
AMBIGUOUS = -0.10
#: A run whose cgroup peak reaches this share of the limit ends the growth.
MEMORY_FULL = 0.8


@dataclass(frozen=True)
class SweepSettings:
    """Which configurations to try."""

    cpu_limits: tuple[float | None, ...] = (1.0,)
    """CPU limits to emulate (``--cpu 0.5,1,2``); ``None`` is unlimited."""
    memory_limit: int | None = 512 * 2**20
    """Memory limit to emulate, bytes."""
    workers: tuple[int, ...] | None = None
    """Worker counts to try; default 1 … 2 × ceil(cpu) + 1."""
    threads: tuple[int, ...] | None = None
    """Thread counts to try (gthread); default doubling 1 … 128."""
    budget_s: float = 170.0
    """The whole profile's time budget; the search gets ``search_share`` of it."""
    search_share: float = 0.6
    """Share of the budget the search may use before racing starts."""
    exhaustive: bool = False
    """Measure the whole grid instead of stopping where more workers/threads stop helping."""


#: Progress for an observer (core's one event type): a run starts or ends (its RunResult as
#: the payload), or a note for the user.
Event = Progress[RunResult]
Observer = Callable[[Event], None]


@dataclass(frozen=True)
class Search:
    """Every run the search made, in order, and why it stopped where it did."""

    runs: tuple[RunResult, ...]
    stops: tuple[str, ...] = field(default=())


def score(run: RunResult) -> float:
    """What the search compares: closed-loop throughput (steadier than the SLO capacity)."""
    return run.closed.rps if run.closed and run.status == "ok" else 0.0


def saturated(run: RunResult) -> bool:
    return run.cpu_cores >= SATURATED * (run.cpu_limit or 1.0)


def _grid(command: ServerCommand, cpu: float | None,
          settings: SweepSettings) -> tuple[list[int], list[int]]:
    if not command.sweeps_workers:
        return [1], [1]
    workers = list(settings.workers or range(1, max_workers_for_cpu(cpu or 1.0) + 1))
    threads = list(settings.threads or THREADS) if command.sweeps_threads else [1]
    return sorted(set(workers)), sorted(set(threads))


def _per_worker_memory(runs: list[RunResult]) -> float:
    """Largest proportional (PSS) footprint of one worker seen so far."""
    values = [p.pss for r in runs for p in r.processes if p.role == "worker"]
    return float(max(values)) if values else 0.0


def _gain(new: float, old: float) -> str:
    return f"{(new / old - 1):+.0%}" if old > 0 else "n/a"


class _Searcher:
    def __init__(self, backend: Backend, command: ServerCommand, *, run_settings: RunSettings,
                 settings: SweepSettings, notify: Observer, driver: LoadDriver | None) -> None:
        self.backend, self.command, self.run_settings = backend, command, run_settings
        self.settings, self.notify, self.driver = settings, notify, driver
        self.started = time.monotonic()
        self.runs: list[RunResult] = []
        self.stops: list[str] = []
        self.total = 0
        self.per_run = (run_settings.warmup_s + run_settings.duration_s + 1.5
                        + run_settings.open_duration_s * len(run_settings.open_fractions))

    def out_of_time(self, label: str, *, note: bool = True, runs: int = 1) -> bool:
        limit = self.settings.budget_s * self.settings.search_share
        if time.monotonic() - self.started + self.per_run * runs <= limit:
            return False
        if not note:
            return True
        self.stops.append(f"time: the search's share of the {self.settings.budget_s:g}s budget "
                          f"ran out before {label}")
        self.notify(Event(Stage.NOTE, len(self.runs), self.total, self.stops[-1]))
        return True

    def run(self, w: int, t: int, limits: Limits) -> RunResult:
        label = f"{w}w×{t}t" + (f" @{limits.cpu:g}cpu" if limits.cpu else "")
        self.notify(Event(Stage.START, len(self.runs), self.total, label))
        t0 = time.monotonic()
        run = measure(self.backend, self.command, workers=w, threads=t, limits=limits,
                      settings=self.run_settings, driver=self.driver)
        self.per_run = max(self.per_run * 0.5, time.monotonic() - t0)
        self.runs.append(run)
        self.notify(Event(Stage.DONE, len(self.runs), self.total, label, run))
        if run.status != "ok" and not any(r.status == "ok" for r in self.runs):
            hint = ("raise --memory: the app needs more memory than the limit to start"
                    if run.status == "oom" else "run the command by hand to see why")
            raise ProfileError(f"the app failed ({run.status}, {label}): {run.note}", hint)
        return run

    def confirm(self, new: RunResult, old: RunResult,
                limits: Limits) -> tuple[float, float, str]:
        """A stop on one point each only when it is clear (below ``AMBIGUOUS``) or time is
        short; otherwise both are measured once more, new first (ABBA, so a linear drift of
        the host hits both alike), and the means decide."""
        a, b = score(new), score(old)
        if b <= 0 or a / b - 1 < AMBIGUOUS:
            return a, b, "one run each"
        if self.out_of_time("a repeat", note=False, runs=3):
            return a, b, "one run each: no time to repeat"
        again = [self.measure(r.workers, r.threads, limits) for r in (new, old)]
        if any(r.status != "ok" for r in again):
            return a, b, "one run each: the repeat failed"
        return (a + score(again[0])) / 2, (b + score(again[1])) / 2, "mean of two runs each"

    def measure(self, w: int, t: int, limits: Limits) -> RunResult:
        """One more run of a configuration already in ``runs`` (not added to them)."""
        t0 = time.monotonic()
        run = measure(self.backend, self.command, workers=w, threads=t, limits=limits,
                      settings=self.run_settings, driver=self.driver)
        self.per_run = max(self.per_run * 0.5, time.monotonic() - t0)
        return run

    def threads_at(self, w: int, threads: list[int], start: int,
                   limits: Limits) -> RunResult | None:
        """Double the threads at ``w`` workers from ``threads[start]``; the best run."""
        best: RunResult | None = None
        prev: RunResult | None = None
        for t in threads[start:]:
            if self.out_of_time(f"{w}w×{t}t"):
                return best
            run = self.run(w, t, limits)
            if run.status != "ok":
                self.stops.append(f"threads at {w} worker(s) stop at {t}: {run.status}")
                return best
            if best is None or score(run) > score(best):
                best = run
            if self.settings.exhaustive:
                continue
            if prev is not None and score(run) < score(prev) * (1 + MIN_GAIN):
                new, old, how = self.confirm(run, prev, limits)
                if new < old * (1 + MIN_GAIN):
                    self.stops.append(
                        f"threads at {w} worker(s) stop at {t}: {prev.threads}→{t} threads "
                        f"gave {_gain(new, old)} throughput (< {MIN_GAIN:.0%}, {how})")
                    return best
                self.stops.append(f"threads at {w} worker(s): {prev.threads}→{t} looked flat "
                                  f"in one run but gave {_gain(new, old)} ({how}); going on")
            if saturated(run) and self.command.sweeps_threads:
                self.stops.append(
                    f"threads at {w} worker(s) stop at {t}: CPU saturated ({run.cpu_cores:.2f} "
                    f"of {run.cpu_limit or 1:g} core(s))")
                return best
            if limits.memory and run.memory_peak > MEMORY_FULL * limits.memory:
                self.stops.append(f"threads at {w} worker(s) stop at {t}: memory peak "
                                  f"{run.memory_peak / 2**20:.0f} MiB is ≥ {MEMORY_FULL:.0%} "
                                  "of the limit")
                return best
            prev = run
        if len(threads) > 1 and best is not None and not self.settings.exhaustive:
            self.stops.append(f"threads at {w} worker(s): the largest count tried "
                              f"({threads[-1]}) still helped")
        return best

    def search(self) -> Search:
        grids = [(cpu, *_grid(self.command, cpu, self.settings))
                 for cpu in self.settings.cpu_limits]
        self.total = sum(len(w) * len(t) for _, w, t in grids)
        for cpu, workers, threads in grids:
            limits = Limits(cpu, self.settings.memory_limit)
            best_prev: RunResult | None = None
            for w in workers:
                skip = _memory_skip(self.runs, w, limits)
                if skip:
                    t = best_prev.threads if best_prev else threads[0]
                    self.runs.append(RunResult(w, t, self.command.worker_class(t), cpu,
                                               self.settings.memory_limit, "skipped",
                                               note=skip))
                    self.stops.append(f"workers stop at {w}: {skip}")
                    break
                # Like for like: more workers start at the thread count that was best with
                # fewer, so one flat step cannot end the search early.
                start = threads.index(best_prev.threads) if best_prev else 0
                best = self.threads_at(w, threads, start, limits)
                if best is None:
                    break
                if (not self.settings.exhaustive and best_prev is not None
                        and score(best) < score(best_prev) * (1 + MIN_GAIN)):
                    new, old, how = self.confirm(best, best_prev, limits)
                    if new < old * (1 + MIN_GAIN):
                        self.stops.append(
                            f"workers stop at {w}: {best_prev.workers}→{w} worker(s) gave "
                            f"{_gain(new, old)} throughput (< {MIN_GAIN:.0%}, {how})"
                            + (" with the CPU already saturated" if saturated(best_prev)
                               else ""))
                        break
                    self.stops.append(f"workers: {best_prev.workers}→{w} looked flat in one "
                                      f"run but gave {_gain(new, old)} ({how}); going on")
                if best_prev is None or score(best) > score(best_prev):
                    best_prev = best
                if self.out_of_time(f"{w + 1} worker(s)"):
                    return Search(tuple(self.runs), tuple(self.stops))
            else:
                if len(workers) > 1 and not self.settings.exhaustive:
                    self.stops.append(f"workers: the largest count tried ({workers[-1]}) still "
                                      "helped" + ("" if self.settings.workers else
                                                  " (2 × CPU + 1 is the ceiling)"))
        return Search(tuple(self.runs), tuple(self.stops))


def sweep(backend: Backend, command: ServerCommand, *, run_settings: RunSettings,
          settings: SweepSettings, observe: Observer | None = None,
          driver: LoadDriver | None = None) -> Search:
    """Search workers × threads; raises ``ProfileError`` when the app never becomes ready."""
    return _Searcher(backend, command, run_settings=run_settings, settings=settings,
                     notify=observe or (lambda event: None), driver=driver).search()


def _memory_skip(runs: list[RunResult], workers: int, limits: Limits) -> str:
    """Why ``workers`` would not fit the memory limit, judging by the runs so far."""
    if limits.memory is None:
        return ""
    done = [r for r in runs if r.status == "ok" and r.cpu_limit == limits.cpu and r.memory_peak]
    if not done:
        return ""
    last = max(done, key=lambda r: r.workers)
    if workers <= last.workers:
        return ""
    predicted = last.memory_peak + (workers - last.workers) * _per_worker_memory(done)
    if predicted > limits.memory:
        return (f"predicted {predicted / 2**20:.0f} MiB ({workers} workers) exceeds the "
                f"{limits.memory / 2**20:.0f} MiB limit")
    return ""
