"""``podfit recommend``: right-size workloads from a cluster's Prometheus history."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import click

from podfit.core.errors import UsageError
from podfit.recommend.settings import RecommendSettings

FORMATS = ("table", "json", "yaml", "html")


def _settings(history: str | None) -> RecommendSettings:
    from podfit.core.config import load_project

    settings = load_project(Path.cwd()).settings(RecommendSettings, "recommend")
    if history:
        try:
            settings = dataclasses.replace(settings, history=history)
        except ValueError as exc:
            raise UsageError(f"--history: {exc}", "e.g. --history 14d") from None
    return settings


@click.command()
@click.option("--prometheus", "url", required=True, metavar="URL",
              help="Prometheus-compatible API (Prometheus, Thanos, Mimir, VictoriaMetrics).")
@click.option("--namespace", "-n", "namespaces", multiple=True, metavar="NS",
              help="Only this namespace (repeatable); default: every namespace with data.")
@click.option("--selector", "-l", default="", metavar="L",
              help="Only pods with these labels, e.g. app=web,tier!=batch.")
@click.option("--history", default=None, metavar="SPAN", help="How far back to read [14d].")
@click.option("--manifests", multiple=True, type=click.Path(exists=True, path_type=Path),
              metavar="PATH", help="Manifests (files or directories) to match and edit.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table",
              show_default=True, help="Report format.")
@click.option("--diff", is_flag=True, help="Show the manifest edits as a diff; write nothing.")
@click.option("--apply", "do_apply", is_flag=True, help="Edit the matching manifests in place.")
def recommend(url: str, namespaces: tuple[str, ...], selector: str, history: str | None,
              manifests: tuple[Path, ...], fmt: str, diff: bool, do_apply: bool) -> int:
    """Recommend requests, limits and workers for every workload from Prometheus history."""
    from podfit.recommend.engine import run
    from podfit.report.recommend import render

    if (diff or do_apply) and not manifests:
        raise UsageError("--diff and --apply edit manifests", "give --manifests PATH")
    settings = _settings(history)
    tty = sys.stderr.isatty()
    result = run(url, list(namespaces), selector=selector, settings=settings,
                 progress=(lambda event: click.echo(event.label, err=True)) if tty else None)
    for note in result.degradations:
        click.echo(f"warning: {note}", err=True)
    edits_pending = False
    if manifests:
        from podfit.recommend.apply import plan_edits

        plan = plan_edits(result.recommendations, [str(p) for p in manifests])
        for note in plan.unmatched:
            click.echo(f"warning: {note}", err=True)
        edits_pending = bool(plan.outcomes)
        if diff:
            click.echo("".join(o.diff() for o in plan.outcomes), nl=False)
        if do_apply:
            for outcome in plan.outcomes:
                Path(outcome.path).write_text(outcome.after, encoding="utf-8")
            click.echo(f"edited {len(plan.outcomes)} file(s)", err=True)
            edits_pending = False
    if not diff:
        click.echo(render(result, fmt), nl=False)
    if do_apply:
        return 1 if edits_pending else 0
    return 1 if result.changed else 0
