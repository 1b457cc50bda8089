"""``podfit profile``: run the app under emulated pod limits, drive load, sweep workers ×
threads (× CPU limits) and recommend settings with reasons."""

from __future__ import annotations

import time

from podfit.profile.load import wrk_available
from podfit.profile.model import ModelSettings, recommend
from podfit.profile.results import ProfileResult, Recommendation, RunResult
from podfit.profile.runner import RunSettings
from podfit.profile.sandbox import (
    Backend,
    CgroupBackend,
    ContainerBackend,
    guard_signals,
    load_driver,
)
from podfit.profile.server import parse_command
from podfit.profile.sweep import Event, Observer, SweepSettings, sweep

__all__ = [
    "Backend", "CgroupBackend", "ContainerBackend", "Event", "ModelSettings", "Observer",
    "ProfileResult", "Recommendation", "RunResult", "RunSettings", "SweepSettings",
    "run_profile",
]


def run_profile(argv: list[str], backend: Backend, *, run: RunSettings, grid: SweepSettings,
                model: ModelSettings, observe: Observer | None = None) -> ProfileResult:
    """Profile ``argv`` (the user's server command) and recommend; never leaves a process or
    cgroup behind, whatever happens."""
    started = time.monotonic()
    command = parse_command(argv)
    model = ModelSettings(**{**model.__dict__, "preload": model.preload or command.preload})
    warnings: list[str] = []
    if not command.sweeps_workers:
        warnings.append("workers/threads are not controllable for this command (not gunicorn "
                        "or uvicorn): one configuration measured")

    def relay(event: Event) -> None:
        if event.kind == "note":
            warnings.append(event.label)
        if observe:
            observe(event)

    with guard_signals(), load_driver(run.use_wrk) as driver:
        runs = sweep(backend, command, run_settings=run, settings=grid, observe=relay,
                     driver=driver)
    if any(r.closed and r.closed.generator_saturated for r in runs):
        warnings.append("the load generator saturated its CPU in some runs: their throughput "
                        "is a lower bound")
    generator = "wrk" if (run.use_wrk if run.use_wrk is not None else wrk_available()) \
        else "builtin"
    return ProfileResult(runs=tuple(runs), recommendation=recommend(runs, model),
                         backend=backend.name, generator=f"{generator} (closed) + builtin (open)",
                         elapsed_s=time.monotonic() - started, warnings=tuple(warnings))
