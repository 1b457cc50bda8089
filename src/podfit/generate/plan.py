"""The Plan: every decision ``init`` makes, each with the reason ``--explain`` prints."""

from __future__ import annotations

import difflib
import math
import shlex
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from podfit import __version__
from podfit.core.errors import ConfigError, UsageError
from podfit.core.policy import CpuLimitPolicy, cpu_limit_for, max_workers_for_cpu
from podfit.core.shutdown import ShutdownBudget
from podfit.core.units import format_cpu, parse_cpu
from podfit.generate.appconfig import Config, decide_config
from podfit.generate.budget import GRACEFUL_SECONDS, PRESTOP_SECONDS
from podfit.generate.deps import SUPPORTED_PYTHONS, NativeNeed, native_needs
from podfit.generate.detect import AppFacts
from podfit.generate.process import Process, decide_process
from podfit.generate.profile_input import Recommendation
from podfit.runtime.policy import DEFAULT_REQUEST_THREADS

BASES = ("slim", "alpine", "distroless")
SERVERS = ("gunicorn", "uvicorn", "celery", "python", "uwsgi", "hypercorn", "daphne")
#: ``[tool.podfit]`` keys; each maps onto one InitOptions field.
CONFIG_KEYS = {
    "name": "name", "app": "app", "server": "server", "deps": "deps", "python": "python",
    "base": "base", "base-image": "base_image", "port": "port", "image": "image",
    "helm": "helm", "prometheus-operator": "prometheus_operator", "ingress-host": "ingress_host",
    "tls-secret": "tls_secret", "cpu-limit-policy": "cpu_limit_policy",
    "task-time-limit": "task_time_limit", "worker-app": "worker_app",
}
UID = 10001


@dataclass(frozen=True)
class Decision:
    """One choice: what was decided, the value, and why (printed by ``--explain``)."""

    key: str
    value: str
    reason: str


@dataclass(frozen=True)
class InitOptions:
    """What the user asked for; ``None`` means "detect it" (flags win over ``[tool.podfit]``)."""

    name: str | None = None
    """Kubernetes name of the app (default: the project or directory name)."""
    app: str | None = None
    """The web app object as ``module:attr`` (default: found in the source)."""
    worker_app: str | None = None
    """The Celery app as ``module:attr`` (default: found in the source)."""
    server: str | None = None
    """gunicorn, uvicorn, celery, python, uwsgi, hypercorn or daphne (default: from the
    framework)."""
    deps: str | None = None
    """Dependency manager (default: from the lock files present)."""
    python: str | None = None
    """Python minor version (default: .python-version, requires-python, runtime.txt…)."""
    base: str | None = None
    """slim (default), alpine or distroless."""
    base_image: str | None = None
    """Base image reference for the ``BASE_IMAGE`` build argument's default."""
    port: int | None = None
    """Port the server listens on (default 8000)."""
    image: str | None = None
    """Image repository in the manifests (default: the app name)."""
    helm: bool | None = None
    """Also write a Helm chart."""
    prometheus_operator: bool | None = None
    """A ServiceMonitor instead of prometheus.io annotations."""
    ingress_host: str | None = None
    """Write an Ingress for this host."""
    tls_secret: str | None = None
    """TLS secret for the Ingress."""
    cpu_limit_policy: str | None = None
    """none (default), integer or required — see podfit.core.policy."""
    task_time_limit: int | None = None
    """Celery hard task time limit in seconds (the worker's grace period covers it)."""
    profile: Recommendation | None = None
    """``podfit profile`` results; sizes requests, limits, workers and the HPA."""


#: ``[tool.podfit]`` keys that ``check`` and ``init`` share (so they never disagree).
SHARED_KEYS = {"cpu-limit-policy": "cpu_limit_policy"}


def merge_config(options: InitOptions, config: dict[str, Any]) -> InitOptions:
    """Fill unset options from ``[tool.podfit]`` (shared keys) and ``[tool.podfit.init]``;
    unknown keys in the ``init`` table are errors with a hint. Other top-level keys belong
    to ``check`` and ``profile``, which validate them."""
    table = config.get("init", {})
    if not isinstance(table, dict):
        raise ConfigError("[tool.podfit.init] must be a table", "e.g. [tool.podfit.init]")
    updates: dict[str, Any] = {}
    for key, attr in SHARED_KEYS.items():
        if key in config and getattr(options, attr) is None:
            updates[attr] = config[key]
    for key, value in table.items():
        if key not in CONFIG_KEYS:
            close = difflib.get_close_matches(key, CONFIG_KEYS, n=1)
            raise ConfigError(f"unknown [tool.podfit.init] key {key!r}",
                              f"did you mean {close[0]!r}?" if close else
                              "known keys: " + ", ".join(sorted(CONFIG_KEYS)))
        attr = CONFIG_KEYS[key]
        if getattr(options, attr) is None:
            updates[attr] = value
    return replace(options, **updates)


@dataclass(frozen=True)
class Probe:
    path: str
    period: int
    timeout: int
    failures: int
    kind: str = "http"
    """``http`` (httpGet on path), ``grpc`` (the gRPC health service) or ``tcp``."""


@dataclass(frozen=True)
class Workload:
    """One Deployment: the web server or the Celery worker."""

    role: str
    name: str
    command: tuple[str, ...]
    port: int | None
    requests_cpu: str
    requests_memory: str
    limits_cpu: str | None
    limits_memory: str
    hpa_min: int
    hpa_max: int
    hpa_target: int
    scale_down_stabilization: int
    prestop_seconds: int
    shutdown_seconds: int
    """Seconds the process may take after SIGTERM (graceful timeout or task time limit)."""
    grace_period: int
    env: tuple[tuple[str, str], ...]
    probes: dict[str, Probe] = field(default_factory=dict)
    """startup/readiness/liveness; empty for workers without an HTTP health endpoint."""
    protocol: str = "http"
    """``http`` or ``grpc`` (the Service's appProtocol)."""


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


def _base(plan_base: str, python: str, native: tuple[NativeNeed, ...],
          runtime_pkgs: tuple[str, ...], explicit: str | None) -> tuple[str, str, Decision]:
    if plan_base == "alpine":
        lacking = [n.name for n in native if not n.musl_wheels]
        if lacking:
            raise UsageError(
                "Alpine refused: " + ", ".join(lacking) + " publish no musl wheels",
                "they would compile from source on every build (or fail); use --base slim")
        image = explicit or f"python:{python}-alpine3.20"
        return image, image, Decision("base", image, "Alpine on request; every native dependency "
                                      "has musllinux wheels")
    if plan_base == "distroless":
        if python != "3.11":
            raise UsageError(f"distroless refused: its Python is Debian 12's 3.11, the project "
                             f"needs {python}", "use --base slim, or --python 3.11")
        if runtime_pkgs:
            raise UsageError("distroless refused: runtime libraries needed: "
                             + ", ".join(runtime_pkgs), "use --base slim")
        image = explicit or "gcr.io/distroless/python3-debian12:nonroot"
        return image, "debian:12-slim", Decision(
            "base", image, "distroless on request: no shell or package manager in the image; "
            "the venv is built on debian:12-slim so its interpreter path matches")
    image = explicit or f"python:{python}-slim-bookworm"
    return image, image, Decision(
        "base", image, "Debian slim: glibc, so manylinux wheels install without compiling; "
        "the same image builds and runs so the venv's interpreter path matches")


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
    native = facts.deps.native + _pinned_native(facts, server, python)
    build_pkgs = tuple(dict.fromkeys(p for n in native for p in n.build_packages))
    runtime_pkgs = tuple(dict.fromkeys(p for n in native for p in n.runtime_packages))
    for n in native:
        decide(f"native:{n.name}", "build: " + (" ".join(n.build_packages) or "none")
               + "; runtime: " + (" ".join(n.runtime_packages) or "none"), n.why)
    base_image, builder_image, base_decision = _base(base_kind, python, native, runtime_pkgs,
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
        web_wl = _web_workload(name, server, app_ref=app_ref, script=src.script, port=port,
                               policy=policy, prof=prof, decide=decide)
    elif process.command and process.protocol != "none":
        web_wl = command_workload(name, process, policy, prof, decide)
    worker_wl = None
    if server == "python" and process.protocol == "none":
        worker_wl = _script_workload(name, process.command or ("python", "main.py"), policy,
                                     decide)
    elif worker_ref:
        worker_wl = _worker_workload(name if web_wl is None else f"{name}-worker", worker_ref,
                                     policy, int(opts.task_time_limit or 300), decide)
    elif web_wl is not None and src.procfile.get("worker"):
        # a Procfile worker of any other command (rq, dramatiq, a script): run it as written
        command = tuple(shlex.split(src.procfile["worker"]))
        decide("worker", " ".join(command), "Procfile worker process")
        worker_wl = _script_workload(f"{name}-worker", command, policy, decide)
    config = decide_config(facts, web_wl or worker_wl, decide)
    runtime, server_pkgs = _server_install(facts, server, decide)
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


#: Servers podfit may run and the pinned release it installs when the app does not depend on
#: it (the release podfit.runtime's tests run against).
SERVER_PINS = {
    "gunicorn": "gunicorn==27.0.1",
    "uvicorn": "uvicorn==0.55.0",
    "uwsgi": "uwsgi==2.0.28",
    "daphne": "daphne==4.1.2",
    "hypercorn": "hypercorn==0.17.3",
}
METRICS_PIN = "prometheus-client==0.26.0"
#: Native packages that embed the interpreter (link libpython) when built from source.
LINKS_LIBPYTHON = ("uwsgi", "mod-wsgi")
#: Servers whose generated config or runner imports podfit.runtime.
RUNTIME_SERVERS = ("gunicorn", "uvicorn")


def _pinned_native(facts: AppFacts, server: str, python: str) -> tuple[NativeNeed, ...]:
    """What the pinned server (installed because the app lacks it) needs to build: uwsgi
    ships no wheels, so the builder stage needs a compiler for it."""
    if server not in SERVER_PINS or server in facts.deps.packages:
        return ()
    name, version = SERVER_PINS[server].split("==")
    return native_needs({name: version}, python)


def _server_install(facts: AppFacts, server: str,
                    decide: Any) -> tuple[bool, tuple[str, ...]]:
    """Whether podfit.runtime goes into the image, and the pinned packages to add."""
    have = set(facts.deps.packages)
    pins: list[str] = []
    if server in SERVER_PINS:
        if server in have:
            decide("server.install", f"{server} from the app's dependencies",
                   "the app's own lock or requirements already install it")
        else:
            pins.append(SERVER_PINS[server])
            decide("server.install", SERVER_PINS[server],
                   f"the CMD runs {server} but no dependency file names it: without it the "
                   "container exits 127; pinned to the release podfit is tested with")
    runtime = server in RUNTIME_SERVERS
    if runtime:
        if "prometheus-client" not in have:
            pins.append(METRICS_PIN)
        decide("runtime", f"podfit.runtime {__version__}, copied into .podfit/runtime/",
               "the generated server config imports it (workers from the pod's limits, probes, "
               "drain, metrics); init copies its standard-library-only source into the build "
               "context, so the build needs no index that has podfit")
    else:
        decide("runtime", "not in the image",
               f"the {server} command imports nothing from podfit")
    return runtime, tuple(pins)


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


def _resources(cpu: str, memory: str, *, policy: CpuLimitPolicy, prof: Recommendation | None,
               decide: Any, role: str) -> tuple[str, str, str | None, str]:
    if prof is not None:
        decide(f"{role}.requests", f"cpu {prof.cpu_request}, memory {prof.memory_request}",
               prof.reasons.get("requests", f"measured by podfit profile ({prof.source})"))
        lim_cpu = prof.cpu_limit
        if lim_cpu is None and policy is not CpuLimitPolicy.NONE:
            limit = cpu_limit_for(parse_cpu(prof.cpu_request), policy)
            lim_cpu = format_cpu(limit) if limit is not None else None
        decide(f"{role}.limits", f"cpu {lim_cpu or 'none'}, memory {prof.memory_limit}",
               prof.reasons.get("limits", f"measured by podfit profile ({prof.source})"))
        return prof.cpu_request, prof.memory_request, lim_cpu, prof.memory_limit
    limit = cpu_limit_for(parse_cpu(cpu), policy)
    lim_cpu = format_cpu(limit) if limit is not None else None
    decide(f"{role}.requests", f"cpu {cpu}, memory {memory}",
           "a starting point, not a measurement: run `podfit profile` and re-run init with "
           "--from-profile to size it")
    decide(f"{role}.limits", f"cpu {lim_cpu or 'none'}, memory {memory}",
           f"CPU limit policy '{policy.value}' (no CPU limit avoids CFS throttling latency); "
           "memory limit = request so the pod is never OOM-killed for using what it reserved")
    return cpu, memory, lim_cpu, memory


def _web_workload(name: str, server: str, *, app_ref: str | None,
                  script: tuple[str, ...] | None, port: int, policy: CpuLimitPolicy,
                  prof: Recommendation | None, decide: Any) -> Workload:
    req_cpu, req_mem, lim_cpu, lim_mem = _resources("500m", "256Mi", policy=policy, prof=prof,
                                                decide=decide, role="web")
    pod_cpu = parse_cpu(lim_cpu or req_cpu)
    graceful = GRACEFUL_SECONDS
    budget = ShutdownBudget(prestop=PRESTOP_SECONDS, drain=0, graceful=graceful)
    grace = budget.grace_period
    decide("web.shutdown", f"preStop sleep {PRESTOP_SECONDS}s, graceful timeout {graceful}s, "
           f"terminationGracePeriodSeconds {grace}s",
           "the preStop sleep lets endpoint removal reach kube-proxy and ingresses before "
           f"SIGTERM; in-flight requests then get {graceful}s; {budget.margin}s margin "
           "before SIGKILL")
    env: list[tuple[str, str]] = [
        ("PODFIT_CPU_LIMIT", format_cpu(pod_cpu)),
        ("PODFIT_GRACE_SECONDS", str(budget.runtime_grace)),
        ("PODFIT_DRAIN_SECONDS", "0"),
    ]
    decide("web.drain", "PODFIT_DRAIN_SECONDS=0, PODFIT_GRACE_SECONDS="
           f"{budget.runtime_grace}", "the preStop sleep already covers endpoint "
           "propagation, so the server stops accepting at SIGTERM; the grace left after the "
           "preStop gives podfit.runtime the same graceful timeout as above")
    decide("web.env", "PODFIT_CPU_LIMIT=" + format_cpu(pod_cpu),
           "without a CPU limit the cgroup shows no quota: podfit.runtime sizes workers from "
           "this instead of the node's CPUs")
    if prof is not None:
        workers = min(prof.workers, max_workers_for_cpu(pod_cpu))
        env += [("WEB_CONCURRENCY", str(workers)), ("PODFIT_THREADS", str(prof.threads))]
        decide("web.workers", f"{workers} x {prof.threads} threads",
               prof.reasons.get("workers", "measured by podfit profile"))
        if prof.max_requests:
            jitter = prof.max_requests_jitter or 0
            env += [("PODFIT_MAX_REQUESTS", str(prof.max_requests)),
                    ("PODFIT_MAX_REQUESTS_JITTER", str(jitter))]
            decide("web.max_requests", f"{prof.max_requests} (jitter {jitter})",
                   prof.reasons.get("max_requests", "podfit profile's soak saw memory grow "
                                    "with requests: workers are recycled before it matters"))
    else:
        decide("web.workers", "from podfit.runtime at start",
               "floor(pod CPUs), at least 1, capped by memory, each serving requests from "
               "gthread x 8 threads (podfit.runtime's default until podfit profile measures "
               "the app): computed in the pod so a resize or a new limit needs no new image")
    command: tuple[str, ...]
    if server == "gunicorn":
        command = ("gunicorn", "--config", "gunicorn.conf.py", str(app_ref))
    elif server == "uvicorn":
        ref = str(app_ref)
        # podfit.runtime's runner: uvicorn with the drain, probes and metrics wrapped around
        # the app, and timeout_graceful_shutdown from PODFIT_GRACE_SECONDS.
        command = ("python", "-m", "podfit.runtime.uvicorn", ref, "--port", str(port))
    else:
        command = script or ("python", "main.py")
    probes = {
        "startup": Probe("/startupz", 2, 2, 30),
        "readiness": Probe("/readyz", 5, 2, 2),
        "liveness": Probe("/livez", 10, 3, 3),
    }
    decide("web.probes", "startup /startupz (60s budget), readiness /readyz every 5s, liveness "
           "/livez every 10s (timeout 3s)",
           "liveness never checks dependencies (a database outage must not restart every pod); "
           "readiness does and turns 503 on SIGTERM; startup covers slow imports")
    hpa = _hpa(prof, decide, "web")
    return Workload("web", name, command, port, req_cpu, req_mem, lim_cpu, lim_mem, *hpa,
                    PRESTOP_SECONDS, graceful, grace, tuple(env), probes)


def command_workload(name: str, process: Process, policy: CpuLimitPolicy,
                     prof: Recommendation | None, decide: Any) -> Workload:
    """A serving process podfit did not write (uwsgi, daphne, a gRPC or HTTP script): its own
    command, a Service, probes on its port (gRPC health or TCP), the same shutdown budget."""
    req_cpu, req_mem, lim_cpu, lim_mem = _resources("500m", "256Mi", policy=policy, prof=prof,
                                                    decide=decide, role="web")
    graceful = GRACEFUL_SECONDS
    grace = ShutdownBudget(prestop=PRESTOP_SECONDS, drain=0, graceful=graceful).grace_period
    decide("web.shutdown", f"preStop sleep {PRESTOP_SECONDS}s, terminationGracePeriodSeconds "
           f"{grace}s", "the preStop sleep lets endpoint removal propagate before SIGTERM; "
           "the process then has the rest of the grace period to finish in-flight work")
    kind = process.probe
    probes = {
        "startup": Probe("", 2, 2, 30, kind),
        "readiness": Probe("", 5, 2, 2, kind),
        "liveness": Probe("", 10, 3, 3, kind),
    }
    decide("web.probes", f"{kind} probes on port {process.port}", {
        "grpc": "the server registers grpc.health.v1: Kubernetes' native gRPC probes ask it",
        "tcp": "no health endpoint podfit can rely on (podfit.runtime is not in this server): "
               "a TCP connect shows the server accepts; add an HTTP health route to do better",
    }.get(kind, ""))
    pod_cpu = parse_cpu(lim_cpu or req_cpu)
    env: tuple[tuple[str, str], ...] = (("PODFIT_CPU_LIMIT", format_cpu(pod_cpu)),
                                        ("PORT", str(process.port)))
    if process.server == "uwsgi" and process.app_ref:
        env += _uwsgi_env(pod_cpu, prof, decide)
    hpa = _hpa(prof, decide, "web")
    return Workload("web", name, tuple(process.command or ()), process.port, req_cpu, req_mem,
                    lim_cpu, lim_mem, *hpa, PRESTOP_SECONDS, graceful, grace, env, probes,
                    protocol=process.protocol)


def _uwsgi_env(pod_cpu: float, prof: Recommendation | None,
               decide: Any) -> tuple[tuple[str, str], ...]:
    """uwsgi's processes and threads by podfit.runtime's policy (it cannot run inside uwsgi):
    floor(pod CPUs) processes, at least 1, x 8 threads, or what podfit profile measured."""
    if prof is not None:
        processes = min(prof.workers, max_workers_for_cpu(pod_cpu))
        threads = prof.threads
        why = prof.reasons.get("workers", "measured by podfit profile")
    else:
        processes, threads = max(1, math.floor(pod_cpu)), DEFAULT_REQUEST_THREADS
        why = ("podfit.runtime's policy for the pod's CPU (floor(CPUs), at least 1, x "
               f"{DEFAULT_REQUEST_THREADS} threads) written at init time: uwsgi runs no "
               "podfit.runtime; re-run init after a resize, or set the variables")
    decide("web.workers", f"UWSGI_PROCESSES={processes}, UWSGI_THREADS={threads}", why)
    return (("UWSGI_PROCESSES", str(processes)), ("UWSGI_THREADS", str(threads)))


def _hpa(prof: Recommendation | None, decide: Any, role: str) -> tuple[int, int, int, int]:
    if prof is not None:
        hpa = prof.hpa
        values = (max(2, hpa.min_replicas), max(hpa.max_replicas, 2), hpa.target_cpu_utilization,
                  hpa.scale_down_stabilization_s)
        decide(f"{role}.hpa", f"{values[0]}-{values[1]} replicas at {values[2]}% CPU",
               prof.reasons.get("hpa", "from podfit profile's capacity model (at least 2 "
                                "replicas so a node drain never takes the app down)"))
        return values
    decide(f"{role}.hpa", "2-10 replicas at 70% CPU, scale-down stabilization 300s",
           "two replicas survive a node drain; 70% leaves room for the ramp before new pods "
           "are ready; a 5-minute scale-down window stops flapping")
    return 2, 10, 70, 300


def _worker_workload(name: str, ref: str, policy: CpuLimitPolicy, time_limit: int,
                     decide: Any) -> Workload:
    req_cpu, req_mem, lim_cpu, lim_mem = _resources("1", "512Mi", policy=policy, prof=None,
                                                decide=decide, role="worker")
    pod_cpu = parse_cpu(lim_cpu or req_cpu)
    concurrency = max(1, math.floor(pod_cpu))
    decide("worker.concurrency", concurrency, "prefork processes = floor(pod CPUs): Celery's "
           "default is the node's CPU count")
    grace = time_limit + 10
    decide("worker.shutdown", f"task time limit {time_limit}s, grace period {grace}s",
           "SIGTERM starts Celery's warm shutdown, which waits for running tasks; the grace "
           "period covers the longest task (--time-limit) plus a margin")
    command = ("celery", "--app", ref, "worker", "--loglevel", "INFO", "--concurrency",
               str(concurrency), "--time-limit", str(time_limit), "--soft-time-limit",
               str(max(1, time_limit - 10)), "--without-gossip", "--without-mingle")
    env = (("PODFIT_CPU_LIMIT", format_cpu(pod_cpu)),)
    hpa = _hpa(None, decide, "worker")
    return Workload("worker", name, command, None, req_cpu, req_mem, lim_cpu, lim_mem, *hpa,
                    0, time_limit, grace, env, {})


def _script_workload(name: str, script: tuple[str, ...], policy: CpuLimitPolicy,
                     decide: Any) -> Workload:
    """A plain process (script or Procfile entry): no Service, no HTTP probes."""
    req_cpu, req_mem, lim_cpu, lim_mem = _resources("250m", "256Mi", policy=policy, prof=None,
                                                    decide=decide, role="process")
    grace = 30
    decide("process.shutdown", f"grace period {grace}s", "the Kubernetes default: a plain "
           "process gets SIGTERM and 30 s to exit; no Service, so no preStop delay is needed")
    hpa = _hpa(None, decide, "process")
    env = (("PODFIT_CPU_LIMIT", format_cpu(parse_cpu(lim_cpu or req_cpu))),)
    return Workload("worker", name, tuple(script), None, req_cpu, req_mem, lim_cpu, lim_mem,
                    *hpa, 0, grace - 5, grace, env, {})
