"""``podfit profile``: run the app under emulated pod limits, drive load, search workers ×
threads (× CPU limits), race the best candidates with confidence intervals, soak the winner,
and recommend settings with reasons."""

from __future__ import annotations

import importlib.util
import time
from dataclasses import replace

from podfit.core.progress import Stage
from podfit.profile.cgroups import Limits
from podfit.profile.load import LoadDriver, wrk_available
from podfit.profile.model import ModelSettings, choose_raced, recommend
from podfit.profile.race import Config, RaceSettings, race
from podfit.profile.results import ProfileResult, RaceResult, Recommendation, RunResult
from podfit.profile.runner import RunSettings, measure
from podfit.profile.sandbox import (
    Backend,
    CgroupBackend,
    ContainerBackend,
    guard_signals,
    load_driver,
)
from podfit.profile.server import ServerCommand, parse_command
from podfit.profile.sweep import Event, Observer, SweepSettings, saturated, score, sweep

__all__ = [
    "Backend", "CgroupBackend", "ContainerBackend", "Event", "ModelSettings", "Observer",
    "ProfileResult", "RaceSettings", "Recommendation", "RunResult", "RunSettings",
    "SweepSettings", "run_profile",
]

#: Configurations within this share of the search's best throughput enter the race. One
#: search point varies by ±20-30 % on a loaded host, so the band is wide: the race, with
#: intervals, decides; the band only keeps the clearly slow out.
RACE_SHARE = 0.7
#: An app using less than this share of its CPU at full load is waiting on I/O.
IO_BOUND = 0.5
#: Time kept at the end of the budget for the chosen configuration's SLO probe.
FINAL_RESERVE_S = 15.0


def _gevent(command: ServerCommand) -> ServerCommand:
    values = tuple((k, v) for k, v in command.values if k != "worker_class")
    return replace(command, values=(*values, ("worker_class", "gevent")))


def _async_alternative(command: ServerCommand, best: RunResult) -> tuple[ServerCommand | None,
                                                                        str]:
    """gevent workers for a threaded gunicorn app that mostly waits (when gevent is
    installed); an ASGI app already runs on an event loop under uvicorn."""
    if not command.sweeps_threads or best.cpu_cores >= IO_BOUND * (best.cpu_limit or 1.0):
        return None, ""
    if importlib.util.find_spec("gevent") is None:
        return None, ("async alternative not measured: the app is I/O-bound but gevent is not "
                      "installed (pip install gevent to compare gunicorn -k gevent)")
    return _gevent(command), ""


def _candidates(runs: list[RunResult], command: ServerCommand, limit: int,
                previous: tuple[int, int] | None) -> list[Config]:
    """The race's entrants, chosen so that one noisy search point cannot change the set
    much: every configuration within the wide ``RACE_SHARE`` band (of the second-highest
    point, so that one lucky run cannot raise the bar) is admitted, then, per
    worker count, its cheapest (fewest threads), its largest and its best enter, cheapest
    worker counts first, after the search's best overall; then the other admitted runs,
    highest first; capped at ``limit``."""
    ok = [r for r in runs if r.status == "ok"]
    if not ok:
        return []

    def order(r: RunResult) -> tuple[int, int, float, str]:
        return (r.workers, r.threads, r.cpu_limit or 0.0, r.worker_class)

    top = max(ok, key=lambda r: (score(r), tuple(-x for x in order(r)[:3])))
    # The band's reference is the second-highest point: one lucky run cannot push it up.
    scores = sorted((score(r) for r in ok), reverse=True)
    reference = scores[1] if len(scores) > 1 else scores[0]
    admitted = sorted((r for r in ok if score(r) >= RACE_SHARE * reference), key=order)
    picks: list[RunResult] = [top]
    for w in sorted({r.workers for r in admitted}):
        at_w = [r for r in admitted if r.workers == w]
        # The extremes as well as the best: which thread count scored highest at w is one
        # noisy point each, the admitted range is not.
        for r in (at_w[0], at_w[-1],
                  max(at_w, key=lambda r: (score(r), tuple(-x for x in order(r)[:3])))):
            if r not in picks:
                picks.append(r)
    # Room left goes to the other admitted runs, highest first.
    picks += sorted((r for r in admitted if r not in picks), key=score, reverse=True)
    chosen = [picks[0], *sorted(picks[1:limit], key=order)]
    if previous:
        chosen += [r for r in ok if (r.workers, r.threads) == previous and r not in chosen][:1]
    return [Config(r.workers, r.threads, r.cpu_limit, command) for r in sorted(chosen, key=order)]


def run_profile(argv: list[str], backend: Backend, *, run: RunSettings, grid: SweepSettings,
                model: ModelSettings, observe: Observer | None = None,
                racing: RaceSettings | None = None) -> ProfileResult:
    """Profile ``argv`` (the user's server command) and recommend; never leaves a process or
    cgroup behind, whatever happens. The budget bounds the whole profile."""
    started = time.monotonic()
    racing = racing or RaceSettings()
    command = parse_command(argv)
    model = replace(model, preload=model.preload or command.preload)
    warnings: list[str] = list(backend.reclaimed)  # what killed runs left, now removed
    if not command.sweeps_workers:
        warnings.append("workers/threads are not controllable for this command (not gunicorn "
                        "or uvicorn): one configuration measured")

    def relay(event: Event) -> None:
        if event.kind == "note":
            warnings.append(event.label)
        if observe:
            observe(event)

    def note(text: str) -> None:
        if observe:
            observe(Event(Stage.NOTE if not text.startswith("race round") else Stage.STATUS,
                          0, 0, text))

    raced: RaceResult | None = None
    with guard_signals(), load_driver(run.use_wrk) as driver:
        # The search compares closed-loop throughput only; the open-loop SLO probe, slow at
        # low rates, runs once, on the chosen configuration.
        search = sweep(backend, command, run_settings=replace(run, open_fractions=()),
                       settings=grid, observe=relay, driver=driver)
        runs = list(search.runs)
        stops = list(search.stops)
        ok = [r for r in runs if r.status == "ok"]
        if ok:
            runs, stops = _extra_runs(backend, command=command, run=run, grid=grid, model=model,
                                      driver=driver, runs=runs, stops=stops)
            configs = _candidates(runs, command, racing.candidates, model.previous)
            configs += [Config(r.workers, r.threads, r.cpu_limit, _gevent(command))
                        for r in runs if r.status == "ok" and r.worker_class == "gevent"]
            deadline = started + grid.budget_s - FINAL_RESERVE_S
            if configs and racing.repeats >= 1:
                raced = race(backend, configs, run_settings=run, settings=racing,
                             driver=driver, memory_limit=grid.memory_limit, deadline=deadline,
                             notify=note)
                warnings += raced.notes
                if raced.noise.noisy:
                    warnings.append(raced.noise.verdict)
            runs = _final(backend, command, run=run, grid=grid, model=model, driver=driver,
                          runs=runs, raced=raced, notify=relay)
    if any(r.closed and r.closed.generator_saturated for r in runs):
        warnings.append("the load generator saturated its CPU in some runs: their throughput "
                        "is a lower bound")
    generator = "wrk" if (run.use_wrk if run.use_wrk is not None else wrk_available()) \
        else "builtin"
    return ProfileResult(runs=tuple(runs), recommendation=recommend(runs, model, raced,
                                                                    tuple(stops)),
                         backend=backend.name, generator=f"{generator} (closed) + builtin (open)",
                         elapsed_s=time.monotonic() - started, warnings=tuple(warnings),
                         race=raced, search=tuple(stops))


def _final(backend: Backend, command: ServerCommand, *, run: RunSettings, grid: SweepSettings,
           model: ModelSettings, driver: LoadDriver, runs: list[RunResult],
           raced: RaceResult | None, notify: Observer) -> list[RunResult]:
    """Measure the configuration the model will choose again, now with the open-loop phases
    that find its capacity at the SLO and the CPU it takes there (for requests and the HPA)."""
    picked = choose_raced(runs, raced, model) if raced else None
    if picked is None:
        ok = [r for r in runs if r.status == "ok"]
        if not ok:
            return runs
        chosen = max(ok, key=score)
    else:
        chosen = picked[0]
    notify(Event(Stage.START, len(runs), len(runs) + 1, f"{chosen.label} at the SLO"))
    cmd = _gevent(command) if chosen.worker_class == "gevent" else command
    full = measure(backend, cmd, workers=chosen.workers, threads=chosen.threads,
                   limits=Limits(chosen.cpu_limit, grid.memory_limit), settings=run,
                   driver=driver)
    notify(Event(Stage.DONE, len(runs) + 1, len(runs) + 1, f"{chosen.label} at the SLO", full))
    if full.status != "ok":
        return runs
    return [full if r is chosen else r for r in runs]


def _extra_runs(backend: Backend, *, command: ServerCommand, run: RunSettings, grid: SweepSettings,
                model: ModelSettings, driver: LoadDriver, runs: list[RunResult],
                stops: list[str]) -> tuple[list[RunResult], list[str]]:
    """The previous profile's choice and the async alternative, measured like the search's
    runs so the race and the model can compare them."""
    best = max((r for r in runs if r.status == "ok"), key=score)
    limits = Limits(best.cpu_limit, grid.memory_limit)
    if model.previous and not any((r.workers, r.threads) == model.previous for r in runs):
        w, t = model.previous
        runs.append(measure(backend, command, workers=w, threads=t, limits=limits,
                            settings=replace(run, open_fractions=()), driver=driver))
        stops.append(f"the previous profile's {w}w×{t}t measured too")
    alternative, why = _async_alternative(command, best)
    if why:
        stops.append(why)
    if alternative is not None:
        alt = measure(backend, alternative, workers=best.workers, threads=1, limits=limits,
                      settings=replace(run, open_fractions=()), driver=driver)
        runs.append(alt)
        stops.append(f"async alternative {alt.label}: {score(alt):.0f} rps vs "
                     f"{score(best):.0f} for {best.label}" + (
                         "" if alt.status == "ok" else f" ({alt.status})"))
    if saturated(best):
        stops.append(f"the best run {best.label} saturated the CPU: more CPU, not more "
                     "workers or threads, would raise capacity")
    return runs, stops
