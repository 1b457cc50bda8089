"""Walk workers × threads (× CPU limits) within a time budget, pruning what cannot help."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from podfit.core.errors import ProfileError
from podfit.core.policy import max_workers_for_cpu
from podfit.profile.cgroups import Limits
from podfit.profile.load import LoadDriver
from podfit.profile.results import RunResult
from podfit.profile.runner import RunSettings, measure
from podfit.profile.sandbox import Backend
from podfit.profile.server import ServerCommand

#: A further worker or thread must add at least this much throughput to keep going.
MIN_GAIN = 0.05


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
    """Thread counts to try (gthread); default 1, 2, 4, 8."""
    budget_s: float = 170.0
    """Stop starting new runs once this much time has gone (the report says so)."""
    exhaustive: bool = False
    """Measure the whole grid instead of stopping where more workers/threads stop helping."""


@dataclass(frozen=True)
class Event:
    """Progress for an observer: a run starts or ends, or a note for the user."""

    kind: str  # "start", "done", "note"
    done: int
    total: int
    label: str
    run: RunResult | None = None


Observer = Callable[[Event], None]


def _grid(command: ServerCommand, cpu: float | None,
          settings: SweepSettings) -> tuple[list[int], list[int]]:
    if not command.sweeps_workers:
        return [1], [1]
    workers = list(settings.workers or range(1, max_workers_for_cpu(cpu or 1.0) + 1))
    threads = list(settings.threads or (1, 2, 4, 8)) if command.sweeps_threads else [1]
    return sorted(set(workers)), sorted(set(threads))


def _score(run: RunResult) -> float:
    """What pruning compares: closed-loop throughput, which varies less from run to run than
    the SLO capacity (one slow open-loop phase can halve that)."""
    return run.closed.rps if run.closed and run.status == "ok" else 0.0


def _per_worker_memory(runs: list[RunResult]) -> float:
    """Largest proportional (PSS) footprint of one worker seen so far."""
    values = [p.pss for r in runs for p in r.processes if p.role == "worker"]
    return float(max(values)) if values else 0.0


def sweep(backend: Backend, command: ServerCommand, *, run_settings: RunSettings,
          settings: SweepSettings, observe: Observer | None = None,
          driver: LoadDriver | None = None) -> list[RunResult]:
    """Every run made, in order; raises ``ProfileError`` when the app never becomes ready."""
    notify = observe or (lambda event: None)
    started = time.monotonic()
    grids = [(cpu, *_grid(command, cpu, settings)) for cpu in settings.cpu_limits]
    total = sum(len(w) * len(t) for _, w, t in grids)
    runs: list[RunResult] = []
    per_run = (run_settings.warmup_s + run_settings.duration_s + 1.5
               + run_settings.open_duration_s * len(run_settings.open_fractions))
    for cpu, workers, threads in grids:
        limits = Limits(cpu, settings.memory_limit)
        best_prev_w = 0.0
        best_t_prev = threads[0]  # thread count that did best at the previous worker count
        for w in workers:
            best_w, best_t = 0.0, threads[0]
            prev_t = 0.0
            for t in threads:
                label = f"{w}w×{t}t" + (f" @{cpu:g}cpu" if cpu else "")
                elapsed = time.monotonic() - started
                if elapsed + per_run > settings.budget_s:
                    notify(Event("note", len(runs), total,
                                 f"time budget {settings.budget_s:g}s reached; "
                                 f"{label} and the rest not measured"))
                    return runs
                skip = _memory_skip(runs, w, limits)
                if skip:
                    runs.append(RunResult(w, t, command.worker_class(t), cpu,
                                          settings.memory_limit, "skipped", note=skip))
                    notify(Event("done", len(runs), total, label, runs[-1]))
                    break
                notify(Event("start", len(runs), total, label))
                t0 = time.monotonic()
                run = measure(backend, command, workers=w, threads=t, limits=limits,
                              settings=run_settings, driver=driver)
                per_run = max(per_run * 0.5, time.monotonic() - t0)
                runs.append(run)
                notify(Event("done", len(runs), total, label, run))
                if run.status != "ok" and not any(r.status == "ok" for r in runs):
                    hint = ("raise --memory: the app needs more memory than the limit to start"
                            if run.status == "oom" else "run the command by hand to see why")
                    raise ProfileError(f"the app failed ({run.status}, {label}): {run.note}",
                                       hint)
                score = _score(run) if run.status == "ok" else 0.0
                if score > best_w:
                    best_w, best_t = score, t
                # Like for like: more workers are judged at least at the thread count that
                # was best with fewer workers, so one flat step cannot end the search early.
                if not settings.exhaustive and run.status == "ok" and t >= best_t_prev and (
                        score < prev_t * (1 + MIN_GAIN)):
                    break
                if run.status != "ok":
                    break
                prev_t = max(prev_t, score)
            if not settings.exhaustive and best_w < best_prev_w * (1 + MIN_GAIN):
                break
            if best_w > best_prev_w:
                best_prev_w, best_t_prev = best_w, best_t
    return runs


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

