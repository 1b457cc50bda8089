"""``podfit limits``: the CPU and memory limits this process runs under, and the worker plan."""

from __future__ import annotations

import json

import click

from podfit.core.errors import UsageError


@click.command("limits")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
@click.option("--worker-memory", metavar="BYTES",
              help="Memory one worker needs (e.g. 200Mi); caps workers by the memory limit.")
def limits(fmt: str, worker_memory: str | None) -> None:
    """Print the CPU quota, memory limit, cgroup version and the workers/threads they justify.

    Reads cgroup v1, v2 or hybrid layouts (ancestors included, tightest wins); the
    environment (WEB_CONCURRENCY, PODFIT_CPU_LIMIT, PODFIT_MEMORY_LIMIT…) overrides.
    """
    from podfit.runtime.limits import LimitsError, parse_quantity
    from podfit.runtime.policy import plan_workers, summary

    try:
        per_worker = int(parse_quantity(worker_memory)) if worker_memory else None
        data = summary(plan_workers(worker_memory_bytes=per_worker))
    except (LimitsError, ValueError) as exc:
        raise UsageError(str(exc), "fix the value, e.g. PODFIT_CPU_LIMIT=1.5 or 500m, "
                         "PODFIT_MEMORY_LIMIT=512Mi, WEB_CONCURRENCY=3") from exc
    if fmt == "json":
        click.echo(json.dumps(data, indent=2))
        return
    width = max(len(key) for key in data)
    for key, value in data.items():
        if key != "sources":
            click.echo(f"{key:<{width}}  {'unlimited' if value is None else value}")
    click.echo("sources:")
    sources = data["sources"]
    for key, where in (sources.items() if isinstance(sources, dict) else ()):
        click.echo(f"  {key}: {where}")
