"""``podfit check``: lint Dockerfiles, Kubernetes manifests and Python server config."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from podfit.check.settings import CheckSettings
from podfit.core.errors import UsageError
from podfit.core.models import CheckResult, Severity

FORMATS = ("text", "json", "sarif", "github")


def _codes(value: str | None) -> tuple[str, ...]:
    return tuple(c.strip() for c in (value or "").split(",") if c.strip())


@click.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="Report format: text, JSON, SARIF 2.1.0 or GitHub annotations.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to FILE instead of standard output.")
@click.option("--select", help="Only these rule codes, prefixes or names (comma-separated).")
@click.option("--ignore", help="Never report these rule codes, prefixes or names.")
@click.option("--output-format", type=click.Choice(["full", "concise"]), default="full",
              show_default=True, help="Text style: full (source line, caret and help) or "
              "concise (one short line per finding).")
@click.option("--fail-on", type=click.Choice(["info", "warning", "error"]), default="warning",
              show_default=True, help="Lowest severity that makes the exit code 1 (info "
              "findings are advice: they fail the run only with --fail-on info).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--kube-version", help="Kubernetes version the manifests target, e.g. 1.30.")
@click.option("--cpu-limit-policy", type=click.Choice(["none", "integer", "required"]),
              help="How CPU limits should be set (see 'podfit explain cpu-limit-policy').")
@click.option("--fix", is_flag=True, help="Apply safe fixes in place, then re-check.")
@click.option("--diff", is_flag=True, help="Show the safe fixes as a diff; write nothing.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Read settings from this file instead of the nearest one.")
@click.option("--stdin-filename", help="Name (and so kind) of what '-' reads, e.g. Dockerfile.")
@click.option("--show-links", is_flag=True, help="Also print which Dockerfile builds each "
              "container's image, and the evidence (compose, skaffold, build lines…).")
def check(paths: tuple[str, ...], fmt: str, output: Path | None, select: str | None,
          ignore: str | None, output_format: str, fail_on: str, exit_zero: bool,
          kube_version: str | None, cpu_limit_policy: str | None, fix: bool, diff: bool,
          config_path: Path | None, stdin_filename: str | None, show_links: bool) -> int:
    """Lint PATHS (files, directories, or '-' for standard input)."""
    from podfit.check.engine import run_check
    from podfit.check.registry import load_rules, rule_index
    from podfit.cli.settings import check_settings
    from podfit.report.findings import RENDERERS, TEXT_STYLES

    settings = check_settings(paths, config_path, kube_version, cpu_limit_policy)
    selected, ignored = _codes(select), _codes(ignore)
    index = rule_index()
    for code in (*selected, *ignored):
        if code.upper() not in index and not any(k.startswith(code.upper()) for k in index):
            raise UsageError(f"unknown rule '{code}'", "run 'podfit rules' to list them")
    if (fix or diff) and "-" in paths:
        raise UsageError("--fix and --diff edit files; they cannot edit standard input",
                         "run them on the files themselves")
    stdin = sys.stdin.buffer.read() if "-" in paths else None

    def run() -> CheckResult:
        return run_check(paths, settings, select=selected, ignore=ignored, stdin=stdin,
                         stdin_name=stdin_filename)

    result = run()
    if fix or diff:
        result = _fix(result, fix, run)
    renderer = TEXT_STYLES[output_format] if fmt == "text" else RENDERERS[fmt]
    rendered = renderer(result, load_rules())
    if output:
        output.write_text(rendered, encoding="utf-8")
    else:  # with --diff, standard output carries the patch: the report goes beside it
        click.echo(rendered, nl=False, err=diff)
    if show_links:
        _print_links(paths, settings, stdin, stdin_filename, to_stderr=fmt != "text")
    for error in result.errors:
        where = f"{error.path}:{error.line}" if error.line else error.path
        message = error.message if error.message.startswith(error.path) else \
            f"{where}: {error.message}"
        click.echo(f"error: {message}", err=True)
        if error.hint:
            click.echo(f"hint: {error.hint}", err=True)
    if result.errors:
        return 2
    threshold = Severity.parse(fail_on)
    failing = any(f.severity >= threshold for f in result.findings)
    return 1 if failing and not exit_zero else 0


def _print_links(paths: tuple[str, ...], settings: CheckSettings, stdin: bytes | None,
                 stdin_filename: str | None, *, to_stderr: bool) -> None:
    """The image <-> Dockerfile table (to stderr when stdout carries JSON/SARIF)."""
    from podfit.check.engine import image_links

    links = image_links(paths, settings, stdin=stdin, stdin_name=stdin_filename)
    click.echo(f"image links ({len(links)}):", err=to_stderr)
    for where, link in links:
        click.echo(f"  {where}: {link.describe()}", err=to_stderr)


def _fix(result: CheckResult, write: bool, recheck: Callable[[], CheckResult]) -> CheckResult:
    from podfit.check.fixer import plan, write_fixes

    fixes = plan(result.findings)
    outcomes = fixes.outcomes
    for dropped in fixes.dropped:  # a fix that would change more than it says is left out
        click.echo(f"note: {dropped.note()}", err=True)
    if not write:  # the diff is data (``podfit check --diff . | git apply``): stdout
        for outcome in outcomes:
            click.echo(outcome.diff(), nl=False)
        return result
    write_fixes(outcomes)
    applied = sum(o.applied for o in outcomes)
    click.echo(f"fixed {applied} finding{'s' if applied != 1 else ''} in {len(outcomes)} "
               f"file{'s' if len(outcomes) != 1 else ''}", err=True)
    return recheck()
