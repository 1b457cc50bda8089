"""``podfit profile``: run the app under pod limits, drive load, recommend settings."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from podfit.cli.flags import typed_flags
from podfit.cli.settings import profile_options
from podfit.core.errors import ProfileError, UsageError
from podfit.core.policy import CpuLimitPolicy
from podfit.core.progress import Stage
from podfit.core.units import parse_cpu, parse_duration, parse_memory

if TYPE_CHECKING:
    from podfit.core.capacity import Recommendation
    from podfit.profile import Event, Observer, ProfileResult

V = TypeVar("V")


def _list(value: str | None, parse: Callable[[str], V], flag: str,
          ) -> tuple[V | None, ...] | None:
    if not value:
        return None
    try:
        return tuple(None if v.strip() in ("none", "0") else parse(v.strip())
                     for v in value.split(","))
    except ValueError as exc:
        raise UsageError(f"{flag}: {exc}") from None


def _counts(value: str | None, flag: str) -> tuple[int, ...] | None:
    """Worker or thread counts to try, e.g. ``1,2,4``."""
    if not value:
        return None
    try:
        counts = tuple(int(v.strip()) for v in value.split(","))
    except ValueError as exc:
        raise UsageError(f"{flag}: {exc}", f"e.g. {flag} 1,2,4") from None
    if min(counts) < 1:
        raise UsageError(f"{flag}: counts start at 1", f"e.g. {flag} 1,2,4")
    return counts


def _seconds(value: str, flag: str) -> float:
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise UsageError(f"{flag}: {exc}") from None


@dataclass(frozen=True)
class ProfileFlags:
    """Every ``podfit profile`` option, typed (names are click's parameter names)."""

    command: tuple[str, ...]
    cpu: str
    memory: str
    url_path: str
    host: str
    slo_p99: str
    peak_rps: float | None
    workers: str | None
    threads: str | None
    exhaustive: bool
    duration: str
    open_duration: str
    warmup: str
    budget: str
    repeats: int
    confidence: float
    strict: bool
    previous: Path | None
    ready_timeout: str
    generator: str
    cpu_limit_policy: str
    memory_margin: float
    min_replicas: int
    image: str | None
    container_port: int
    engine_root: str | None
    engine_runroot: str | None
    fmt: str
    output: Path | None
    html_path: Path | None
    no_progress: bool
    quiet: bool


@click.command(context_settings={"ignore_unknown_options": True})
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
@click.option("--cpu", default="1", show_default=True,
              help="CPU limit(s) to emulate, e.g. 0.5 or 0.5,1,2 (a sweep); 'none' = unlimited.")
@click.option("--memory", default="512Mi", show_default=True,
              help="Memory limit to emulate ('none' = unlimited).")
@click.option("--url-path", default="/", show_default=True, help="Path the load requests.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address load goes to.")
@click.option("--slo-p99", default="200ms", show_default=True, help="Latency objective (p99).")
@click.option("--peak-rps", type=float, help="Peak request rate to size maxReplicas for.")
@click.option("--workers", help="Worker counts to try (default 1 … 2×CPU+1), e.g. 1,2,3.")
@click.option("--threads", help="Thread counts to try for gthread (default 1,2,4 … 128).")
@click.option("--exhaustive", is_flag=True, help="Measure the whole grid (no pruning).")
@click.option("--duration", default="2s", show_default=True, help="Closed-loop phase length.")
@click.option("--open-duration", default="1.5s", show_default=True,
              help="Length of each fixed-rate (open-loop) phase.")
@click.option("--warmup", default="1s", show_default=True, help="Unmeasured load first.")
@click.option("--budget", default="170s", show_default=True,
              help="Time budget of the whole profile (search, race and soak).")
@click.option("--repeats", type=click.IntRange(1, 50), default=5, show_default=True,
              help="Interleaved race rounds per candidate at most.")
@click.option("--confidence", type=click.FloatRange(0.5, 0.999), default=0.95,
              show_default=True, help="Confidence of the capacity intervals.")
@click.option("--strict", is_flag=True,
              help="Exit 1 when the host was too noisy to separate the candidates.")
@click.option("--previous", "previous", type=click.Path(dir_okay=False, path_type=Path),
              help="An earlier profile's JSON: keep its workers × threads unless the race "
                   "shows a real difference.")
@click.option("--ready-timeout", default="30s", show_default=True,
              help="How long the app may take to answer its first request.")
@click.option("--generator", type=click.Choice(["auto", "wrk", "builtin"]), default="auto",
              show_default=True, help="Closed-loop load generator.")
@click.option("--cpu-limit-policy", type=click.Choice([p.value for p in CpuLimitPolicy]),
              default="none", show_default=True, help="As in 'podfit check'.")
@click.option("--memory-margin", type=float, default=0.25, show_default=True,
              help="Headroom over the predicted memory (fraction).")
@click.option("--min-replicas", type=int, default=2, show_default=True,
              help="HPA minReplicas.")
@click.option("--image", help="Run this built image through podman instead of CMD locally.")
@click.option("--container-port", type=int, default=8000, show_default=True,
              help="Port the app listens on inside the image.")
@click.option("--engine-root", help="podman --root (a private image store).")
@click.option("--engine-runroot", help="podman --runroot.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to FILE instead of standard output.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write a self-contained HTML report with plots.")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
@click.option("--quiet", "-q", is_flag=True, help="Nothing on stderr but errors.")
@typed_flags(ProfileFlags, prepare=profile_options)  # [tool.podfit.profile] fills the rest
def profile(flags: ProfileFlags) -> int:
    """Profile the server COMMAND (after '--') under emulated pod limits and recommend
    workers, threads, requests, limits and HPA settings."""
    command = flags.command
    if not command and not flags.image:
        raise UsageError("no command to profile", "podfit profile -- gunicorn app:app")
    if command and command[0].startswith("-") and command[0] != "--":
        raise UsageError(f"unknown option {command[0]}", "run 'podfit profile --help'")
    result = run(list(command), flags, _observer(flags))  # Ctrl-C: main says "interrupted"
    _emit(result, flags)
    if flags.strict and result.race is not None and result.race.noise.noisy:
        click.echo(f"error: {result.race.noise.verdict}", err=True)
        return 1
    return 0


def _observer(flags: ProfileFlags) -> Observer | None:
    if flags.quiet:
        return None
    return progress_observer(tty=sys.stderr.isatty() and not flags.no_progress)


def _emit(result: ProfileResult, flags: ProfileFlags) -> None:
    if flags.fmt == "json":
        text = json.dumps(result.to_json(), indent=2) + "\n"
    else:
        from podfit.report.profile_text import render
        text = render(result)
    if flags.output:
        flags.output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
    if flags.html_path:
        from podfit.report.profile_html import render as render_html
        flags.html_path.write_text(render_html(result), encoding="utf-8")
    if result.recommendation is None:
        failed = next((r for r in reversed(result.runs) if r.note), None)
        raise ProfileError("no configuration ran cleanly",
                           failed.note.splitlines()[0] if failed else None)


def run(command: list[str], flags: ProfileFlags, observe: Observer | None) -> ProfileResult:
    """Build the engine settings from the flags and run the profile."""
    from podfit.core.capacity import load
    from podfit.profile import (
        CgroupBackend,
        ContainerBackend,
        ModelSettings,
        RaceSettings,
        RunSettings,
        SweepSettings,
        run_profile,
    )

    cpus = _list(flags.cpu, parse_cpu, "--cpu") or (1.0,)
    memory = None if flags.memory in ("none", "0") else _list(flags.memory, parse_memory,
                                                                 "--memory")
    generator = {"auto": None, "wrk": True, "builtin": False}[flags.generator]
    run_settings = RunSettings(
        host=flags.host, path=flags.url_path, slo_p99_s=_seconds(flags.slo_p99, "--slo-p99"),
        warmup_s=_seconds(flags.warmup, "--warmup"),
        duration_s=_seconds(flags.duration, "--duration"),
        open_duration_s=_seconds(flags.open_duration, "--open-duration"),
        ready_timeout_s=_seconds(flags.ready_timeout, "--ready-timeout"), use_wrk=generator,
        container_port=flags.container_port if flags.image else None)
    grid = SweepSettings(
        cpu_limits=cpus, memory_limit=memory[0] if memory else None,
        workers=_counts(flags.workers, "--workers"),
        threads=_counts(flags.threads, "--threads"),
        budget_s=_seconds(flags.budget, "--budget"), exhaustive=flags.exhaustive)
    model = ModelSettings(
        slo_p99_ms=run_settings.slo_p99_s * 1000, memory_margin=flags.memory_margin,
        cpu_limit_policy=CpuLimitPolicy(flags.cpu_limit_policy), peak_rps=flags.peak_rps,
        min_replicas=flags.min_replicas,
        previous=_previous(load(flags.previous)) if flags.previous else None)
    racing = RaceSettings(repeats=flags.repeats, min_repeats=min(3, flags.repeats),
                          confidence=flags.confidence)
    if flags.image:
        backend = ContainerBackend(flags.image, flags.container_port, flags.engine_root,
                                   flags.engine_runroot)
        try:
            return run_profile(command, backend, run=run_settings, grid=grid, model=model,
                               observe=observe, racing=racing)
        finally:
            backend.close()
    return run_profile(command, CgroupBackend(), run=run_settings, grid=grid, model=model,
                       observe=observe, racing=racing)


def _previous(rec: Recommendation) -> tuple[int, int]:
    return int(rec.workers), int(rec.threads)


def progress_observer(tty: bool) -> Observer:
    """A rich progress bar on a terminal; one line per finished run otherwise."""
    if not tty:
        def line(event: Event) -> None:
            if event.kind is Stage.DONE and event.payload is not None:
                run = event.payload
                rps = f"{run.closed.rps:.0f} rps max, " if run.closed else ""
                click.echo(f"[{event.done}/{event.total}] {event.label}: {run.status}, {rps}"
                           f"{run.capacity_rps:.0f} rps at SLO", err=True)
            elif event.kind in (Stage.NOTE, Stage.STATUS):
                click.echo(f"{'note' if event.kind is Stage.NOTE else 'race'}: {event.label}",
                           err=True)
        return line

    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/"
                   "{task.total}"), TimeElapsedColumn(), console=Console(stderr=True),
                   transient=True)
    task = bar.add_task("profiling", total=None)

    def update(event: Event) -> None:
        if not bar.live.is_started:
            bar.start()
        if event.kind is Stage.STATUS:
            bar.update(task, description=event.label)
            return
        bar.update(task, total=event.total, completed=event.done,
                   description=f"profiling {event.label}")
        if event.kind is Stage.NOTE:
            bar.console.print(f"note: {event.label}")

    import atexit
    atexit.register(bar.stop)
    return update
