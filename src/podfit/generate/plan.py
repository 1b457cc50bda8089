"""The Plan: every decision ``init`` makes, each with the reason ``--explain`` prints.

The nouns it is built from live in their own modules: options (flags and ``[tool.podfit]``),
workload (Decision, Probe, Workload), sizing (requests, limits, HPA), web and worker (the
Deployments), install (server pins, podfit.runtime) and baseimage.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from podfit.core.errors import UsageError
from podfit.core.policy import CpuLimitPolicy
from podfit.generate.appconfig import Config, decide_config
from podfit.generate.baseimage import BASES, choose_base
from podfit.generate.deps import SUPPORTED_PYTHONS
from podfit.generate.detect import AppFacts
from podfit.generate.install import LINKS_LIBPYTHON, SERVER_PINS, pinned_native, server_install
from podfit.generate.options import CONFIG_KEYS, SHARED_KEYS, InitOptions, merge_config
from podfit.generate.process import Process, decide_process
from podfit.generate.web import command_workload, web_workload
from podfit.generate.worker import script_workload, worker_workload
from podfit.generate.workload import Decision, Probe, Workload

__all__ = [
    "CONFIG_KEYS", "SERVER_PINS", "SHARED_KEYS", "UID", "Decision", "InitOptions", "Plan",
    "Probe", "Workload", "build_plan", "command_workload", "merge_config",
]

#: The image's non-root user (the Dockerfile's USER and the pod's runAsUser).
UID = 10001


@dataclass(frozen=True)
class Plan:
    """Everything the renderers need; nothing here is computed again when rendering."""

    root: Path
    name: str
    version: str
    framework: str
    server: str
    app_ref: str | None
    manager: str
    python: str
    base: str
    base_image: str
    builder_image: str
    build_packages: tuple[str, ...]
    runtime_packages: tuple[str, ...]
    src_dir: str
    dep_files: tuple[str, ...]
    """Dependency files relative to the build context, copied before the install step."""
    member: str
    """The project's folder inside a uv/Poetry workspace (the build context is the workspace
    root), or "" when the project itself is the context."""
    workspace_package: str
    image: str
    libpython: bool
    """A source-built native package (uwsgi, mod_wsgi) links libpython: the final stage needs
    the shared library (python:*-slim has it; a Debian-packaged interpreter may not)."""
    runtime: bool
    """Whether the image carries podfit.runtime (vendored into the build context by init):
    only when the generated server config or runner imports it."""
    server_packages: tuple[str, ...]
    """Pinned requirements the image installs because the app's dependencies lack them
    (the chosen server, prometheus-client for podfit.runtime's metrics)."""
    web: Workload | None
    worker: Workload | None
    helm: bool
    prometheus_operator: bool
    ingress_host: str | None
    tls_secret: str | None
    dockerignore_extra: tuple[str, ...]
    decisions: tuple[Decision, ...]
    config: Config = field(default_factory=lambda: Config((), (), None, ()))

    @property
    def workloads(self) -> tuple[Workload, ...]:
        return tuple(w for w in (self.web, self.worker) if w is not None)



def _check_choice(value: str, choices: tuple[str, ...], what: str) -> str:
    if value not in choices:
        raise UsageError(f"unknown {what} {value!r}", f"use one of: {', '.join(choices)}")
    return value



def build_plan(facts: AppFacts, options: InitOptions) -> Plan:
    """Decide everything; raise ``UsageError``/``InputError`` for what cannot be decided."""
    opts = merge_config(options, facts.config)
    decisions: list[Decision] = []

    def decide(key: str, value: object, reason: str) -> None:
        decisions.append(Decision(key, str(value), reason))

    name = opts.name or facts.name
    decide("name", name, "--name" if opts.name else "project name from pyproject.toml or the "
           "directory, as a DNS-1123 label")
    decide("deps", facts.deps.manager, facts.deps.manager_reason)
    python = str(opts.python or facts.deps.python_version)
    decide("python", python, "set with --python or [tool.podfit] python" if opts.python
           else facts.deps.python_reason)
    if python not in SUPPORTED_PYTHONS:
        raise UsageError(f"unsupported Python {python}", "pass --python")

    src = facts.source
    framework, server, app_ref, worker_ref, process = _decide_server(facts, opts, decide)

    base_kind = _check_choice(opts.base or "slim", BASES, "base")
    native = facts.deps.native + pinned_native(facts, server, python)
    build_pkgs = tuple(dict.fromkeys(p for n in native for p in n.build_packages))
    runtime_pkgs = tuple(dict.fromkeys(p for n in native for p in n.runtime_packages))
    for n in native:
        decide(f"native:{n.name}", "build: " + (" ".join(n.build_packages) or "none")
               + "; runtime: " + (" ".join(n.runtime_packages) or "none"), n.why)
    base_image, builder_image, base_decision = choose_base(base_kind, python, native, runtime_pkgs,
                                                     opts.base_image)
    decisions.append(base_decision)

    port = int(opts.port or 8000)
    policy = CpuLimitPolicy(opts.cpu_limit_policy or "none")
    prof = opts.profile
    image = opts.image or name
    version = _project_version(facts)
    decide("image", f"{image}:{version}", "tag from the project version; kustomize `images:` "
           "or Helm's image.tag retags it per release")

    web_wl = None
    if server in ("gunicorn", "uvicorn") and app_ref:
        web_wl = web_workload(name, server, app_ref=app_ref, script=src.script, port=port,
                               policy=policy, prof=prof, decide=decide)
    elif process.command and process.protocol != "none":
        web_wl = command_workload(name, process, policy, prof, decide)
    worker_wl = None
    if server == "python" and process.protocol == "none":
        worker_wl = script_workload(name, process.command or ("python", "main.py"), policy,
                                     decide)
    elif worker_ref:
        worker_wl = worker_workload(name if web_wl is None else f"{name}-worker", worker_ref,
                                     policy, int(opts.task_time_limit or 300), decide)
    elif web_wl is not None and src.procfile.get("worker"):
        # a Procfile worker of any other command (rq, dramatiq, a script): run it as written
        command = tuple(shlex.split(src.procfile["worker"]))
        decide("worker", " ".join(command), "Procfile worker process")
        worker_wl = script_workload(f"{name}-worker", command, policy, decide)
    config = decide_config(facts, web_wl or worker_wl, decide)
    runtime, server_pkgs = server_install(facts, server, decide)
    extra = tuple(p for p in facts.gitignore if not p.startswith("!"))
    return Plan(
        root=facts.root, name=name, version=version, framework=framework, server=server,
        app_ref=app_ref, manager=facts.deps.manager, python=python, base=base_kind,
        base_image=base_image, builder_image=builder_image, build_packages=build_pkgs,
        runtime_packages=runtime_pkgs, src_dir=src.src_dir, dep_files=facts.deps.files,
        member=facts.deps.workspace.member if facts.deps.workspace else "",
        workspace_package=facts.deps.workspace.package if facts.deps.workspace else "",
        image=image,
        libpython=any(n.name in LINKS_LIBPYTHON and n.build_packages for n in native),
        runtime=runtime, server_packages=server_pkgs, web=web_wl, worker=worker_wl,
        helm=bool(opts.helm), prometheus_operator=bool(opts.prometheus_operator),
        ingress_host=opts.ingress_host, tls_secret=opts.tls_secret,
        dockerignore_extra=extra, decisions=tuple(decisions), config=config)



def _decide_server(facts: AppFacts, opts: InitOptions, decide: Any
                   ) -> tuple[str, str, str | None, str | None, Process]:
    """(framework, server, web app ref, Celery app ref, process) from the evidence and flags."""
    src = facts.source
    process, worker_ref = decide_process(facts, opts)
    if process.app_ref:
        decide("app", process.app_ref, "set with --app or [tool.podfit] app" if opts.app
               else process.reason)
    if worker_ref:
        decide("worker-app", worker_ref, "set with --worker-app" if opts.worker_app
               else src.worker.reason if src.worker else "")
    server = process.server
    decide("framework", process.framework, src.web.reason if src.web and process.app_ref
           else process.reason)
    reasons = {
        "gunicorn": "WSGI app: gunicorn's pre-fork workers, sized by podfit.runtime from the "
                    "pod's CPU limit (never the node's CPU count)",
        "uvicorn": "ASGI app: uvicorn through podfit.runtime's runner, one event loop per pod "
                   "(scale with replicas), graceful shutdown bounded by the grace period",
    }
    if opts.server:
        decide("server", server, "set with --server" + (f"; runs {' '.join(process.command)}"
                                                        if process.command else ""))
    else:
        decide("server", server, reasons.get(server) if process.app_ref else process.reason)
    for warning in process.warnings:
        decide("warning", "entrypoint", warning)
    return process.framework, server, process.app_ref, worker_ref, process



def _project_version(facts: AppFacts) -> str:
    from podfit.generate.deps import read_toml

    path = facts.root / "pyproject.toml"
    if path.is_file():
        data = read_toml(path)
        version = data.get("project", {}).get("version") or data.get("tool", {}).get(
            "poetry", {}).get("version")
        if isinstance(version, str) and version:
            return version
    return "0.1.0"

