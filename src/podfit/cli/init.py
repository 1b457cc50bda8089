"""``podfit init [DIR]``: detect the app, decide a Plan, write the image build and deployment."""

from __future__ import annotations

from pathlib import Path

import click

from podfit.core.errors import UsageError


@click.command("init")
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--app", help="Web app object as module:attr (default: found in the source).")
@click.option("--worker-app", help="Celery app as module:attr (default: found in the source).")
@click.option("--server", type=click.Choice(["gunicorn", "uvicorn", "celery", "python",
                                             "uwsgi", "hypercorn", "daphne"]),
              help="Server to run (default: from the framework).")
@click.option("--deps", type=click.Choice(["requirements", "pip-tools", "poetry", "pdm",
                                           "pipenv", "uv", "pyproject"]),
              help="Dependency manager (default: from the lock files).")
@click.option("--python", "python_version", help="Python minor version, e.g. 3.12.")
@click.option("--base", type=click.Choice(["slim", "alpine", "distroless"]),
              help="Runtime image family (default: slim).")
@click.option("--base-image", help="Default of the BASE_IMAGE build argument.")
@click.option("--name", help="Kubernetes name (default: project or directory name).")
@click.option("--image", help="Image repository used in the manifests.")
@click.option("--port", type=click.IntRange(1, 65535), help="Port the server listens on.")
@click.option("--helm", is_flag=True, default=None, help="Also write a Helm chart.")
@click.option("--prometheus-operator", is_flag=True, default=None,
              help="Write a ServiceMonitor instead of prometheus.io annotations.")
@click.option("--ingress-host", help="Write an Ingress for this host.")
@click.option("--tls-secret", help="TLS secret name for the Ingress.")
@click.option("--cpu-limit-policy", type=click.Choice(["none", "integer", "required"]),
              help="How to set CPU limits (default: none).")
@click.option("--task-time-limit", type=click.IntRange(1), help="Celery hard task time limit (s).")
@click.option("--from-profile", type=click.Path(dir_okay=False, path_type=Path),
              help="podfit profile --format json output: size requests, limits, workers, HPA.")
@click.option("--force", is_flag=True, help="Overwrite files that differ from the output.")
@click.option("--diff", "show_diff", is_flag=True, help="Show changes; write nothing.")
@click.option("--explain", is_flag=True, help="Print every decision with its reason.")
def init(directory: Path, app: str | None, worker_app: str | None, server: str | None,
         deps: str | None, python_version: str | None, base: str | None,
         base_image: str | None, name: str | None, image: str | None, port: int | None,
         helm: bool | None, prometheus_operator: bool | None, ingress_host: str | None,
         tls_secret: str | None, cpu_limit_policy: str | None, task_time_limit: int | None,
         from_profile: Path | None, force: bool, show_diff: bool, explain: bool) -> int:
    """Detect the app in DIRECTORY and write an optimized image build and deployment."""
    from podfit.generate import InitOptions, apply_changes, build_plan, detect, plan_changes
    from podfit.generate import render as render_files
    from podfit.generate.profile_input import load_profile
    from podfit.generate.writer import Action

    if show_diff and force:
        raise UsageError("--diff and --force together", "--diff only shows; drop one of them")
    profile = load_profile(from_profile) if from_profile else None
    facts = detect(directory, deps=deps, python=python_version)
    options = InitOptions(
        name=name, app=app, worker_app=worker_app, server=server, deps=deps,
        python=python_version, base=base, base_image=base_image, port=port, image=image,
        helm=helm, prometheus_operator=prometheus_operator, ingress_host=ingress_host,
        tls_secret=tls_secret, cpu_limit_policy=cpu_limit_policy,
        task_time_limit=task_time_limit, profile=profile)
    plan = build_plan(facts, options)
    if explain:
        for d in plan.decisions:
            click.echo(f"{d.key}: {d.value}\n    why: {d.reason}")
    changes = plan_changes(directory, render_files(plan))
    if show_diff:
        for change in changes:
            if change.action is not Action.UNCHANGED:
                click.echo(change.diff() if change.old is not None
                           else f"new file: {change.path}")
        return 0
    from podfit.generate.nextsteps import next_steps

    written = {c.path for c in apply_changes(directory, changes, force=force)}
    skipped = [c for c in changes if c.action is Action.UPDATE and c.path not in written]
    for change in changes:
        status = ("merged" if change.action is Action.MERGE and change.path in written else
                  "wrote " if change.path in written else
                  "kept  " if change.action is Action.UPDATE else "same  ")
        click.echo(f"{status} {change.path}", err=True)
    if skipped:
        click.echo(f"hint: {len(skipped)} existing file(s) differ and were kept; see them with "
                   "--diff, overwrite with --force", err=True)
        return 1
    click.echo("\nnext steps:", err=True)
    for line in next_steps(plan):
        click.echo(f"  {line}", err=True)
    return 0
