"""``podfit profile``: run the app under pod limits, drive load, recommend settings."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from podfit.core.errors import ProfileError, UsageError
from podfit.core.policy import CpuLimitPolicy
from podfit.core.units import parse_cpu, parse_duration, parse_memory


def _list(value: str | None, parse: Callable[[str], Any], flag: str) -> tuple[Any, ...] | None:
    if not value:
        return None
    try:
        return tuple(None if v.strip() in ("none", "0") else parse(v.strip())
                     for v in value.split(","))
    except ValueError as exc:
        raise UsageError(f"{flag}: {exc}") from None


def _seconds(value: str, flag: str) -> float:
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise UsageError(f"{flag}: {exc}") from None


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
def profile(command: tuple[str, ...], **opts: Any) -> int:
    """Profile the server COMMAND (after '--') under emulated pod limits and recommend
    workers, threads, requests, limits and HPA settings."""
    from podfit.cli.settings import profile_options

    opts = profile_options(opts)  # [tool.podfit.profile] fills the flags not given
    if not command and not opts["image"]:
        raise UsageError("no command to profile", "podfit profile -- gunicorn app:app")
    if command and command[0].startswith("-") and command[0] != "--":
        raise UsageError(f"unknown option {command[0]}", "run 'podfit profile --help'")
    result = run(list(command), opts, _observer(opts))  # Ctrl-C: main says "interrupted"
    _emit(result, opts)
    if opts["strict"] and result.race is not None and result.race.noise.noisy:
        click.echo(f"error: {result.race.noise.verdict}", err=True)
        return 1
    return 0


def _observer(opts: dict[str, Any]) -> Callable[[Any], None] | None:
    if opts["quiet"]:
        return None
    return progress_observer(tty=sys.stderr.isatty() and not opts["no_progress"])


def _emit(result: Any, opts: dict[str, Any]) -> None:
    if opts["fmt"] == "json":
        text = json.dumps(result.to_json(), indent=2) + "\n"
    else:
        from podfit.report.profile_text import render
        text = render(result)
    if opts["output"]:
        opts["output"].write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
    if opts["html_path"]:
        from podfit.report.profile_html import render as render_html
        opts["html_path"].write_text(render_html(result), encoding="utf-8")
    if result.recommendation is None:
        failed = next((r for r in reversed(result.runs) if r.note), None)
        raise ProfileError("no configuration ran cleanly",
                           failed.note.splitlines()[0] if failed else None)


def run(command: list[str], opts: dict[str, Any], observe: Callable[[Any], None] | None) -> Any:
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

    cpus = _list(opts["cpu"], parse_cpu, "--cpu") or (1.0,)
    memory = None if opts["memory"] in ("none", "0") else _list(opts["memory"], parse_memory,
                                                                   "--memory")
    generator = {"auto": None, "wrk": True, "builtin": False}[opts["generator"]]
    run_settings = RunSettings(
        host=opts["host"], path=opts["url_path"], slo_p99_s=_seconds(opts["slo_p99"], "--slo-p99"),
        warmup_s=_seconds(opts["warmup"], "--warmup"),
        duration_s=_seconds(opts["duration"], "--duration"),
        open_duration_s=_seconds(opts["open_duration"], "--open-duration"),
        ready_timeout_s=_seconds(opts["ready_timeout"], "--ready-timeout"), use_wrk=generator,
        container_port=opts["container_port"] if opts["image"] else None)
    grid = SweepSettings(
        cpu_limits=cpus, memory_limit=memory[0] if memory else None,
        workers=_list(opts["workers"], int, "--workers"),
        threads=_list(opts["threads"], int, "--threads"),
        budget_s=_seconds(opts["budget"], "--budget"), exhaustive=opts["exhaustive"])
    model = ModelSettings(
        slo_p99_ms=run_settings.slo_p99_s * 1000, memory_margin=opts["memory_margin"],
        cpu_limit_policy=CpuLimitPolicy(opts["cpu_limit_policy"]), peak_rps=opts["peak_rps"],
        min_replicas=opts["min_replicas"],
        previous=_previous(load(opts["previous"])) if opts["previous"] else None)
    racing = RaceSettings(repeats=opts["repeats"], min_repeats=min(3, opts["repeats"]),
                          confidence=opts["confidence"])
    if opts["image"]:
        backend: Any = ContainerBackend(opts["image"], opts["container_port"],
                                        opts["engine_root"], opts["engine_runroot"])
        try:
            return run_profile(command, backend, run=run_settings, grid=grid, model=model,
                               observe=observe, racing=racing)
        finally:
            backend.close()
    return run_profile(command, CgroupBackend(), run=run_settings, grid=grid, model=model,
                       observe=observe, racing=racing)


def _previous(rec: Any) -> tuple[int, int]:
    return int(rec.workers), int(rec.threads)


def progress_observer(tty: bool) -> Callable[[Any], None]:
    """A rich progress bar on a terminal; one line per finished run otherwise."""
    if not tty:
        def line(event: Any) -> None:
            if event.kind == "done" and event.run is not None:
                run = event.run
                rps = f"{run.closed.rps:.0f} rps max, " if run.closed else ""
                click.echo(f"[{event.done}/{event.total}] {event.label}: {run.status}, {rps}"
                           f"{run.capacity_rps:.0f} rps at SLO", err=True)
            elif event.kind in ("note", "race"):
                click.echo(f"{event.kind}: {event.label}", err=True)
        return line

    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/"
                   "{task.total}"), TimeElapsedColumn(), console=Console(stderr=True),
                   transient=True)
    task = bar.add_task("profiling", total=None)

    def update(event: Any) -> None:
        if not bar.live.is_started:
            bar.start()
        if event.kind == "race":
            bar.update(task, description=event.label)
            return
        bar.update(task, total=event.total, completed=event.done,
                   description=f"profiling {event.label}")
        if event.kind == "note":
            bar.console.print(f"note: {event.label}")

    import atexit
    atexit.register(bar.stop)
    return update
