"""Facts about the Python servers containers run, shared by the concurrency, shutdown and
monitoring rules: every command once per place it is written, worker counts and where each
value came from, the shutdown budget (preStop, grace period) and what routes traffic in."""

from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from podfit.check.documents.dockerfile import DockerfileDoc, env_pairs
from podfit.check.documents.kubernetes import KubeObject
from podfit.check.documents.python_config import GunicornConfig
from podfit.check.project import EffectiveServer, Project, Workload, container_env_line
from podfit.core.kube import POD_SPEC_PATHS, dig, pod_spec, pod_template_labels, selector_matches
from podfit.core.models import Fix, FixSafety, TextEdit, YamlEdit
from podfit.core.servers import split_shell

#: Servers that fork worker processes to serve HTTP.
WEB_KINDS = frozenset({"gunicorn", "uvicorn", "hypercorn", "fastapi-run"})
#: Kinds that serve HTTP in some form (dev servers included).
HTTP_KINDS = WEB_KINDS | {"fastapi-dev", "flask-run", "runserver"}
#: Kinds that run Python at all.
PYTHON_KINDS = HTTP_KINDS | {"celery", "python"}
_NODE_CPUS = re.compile(r"\bnproc\b|cpu_count|process_cpu_count|getconf\s+_NPROCESSORS")
_DEFAULT_LABEL = {"gunicorn": "gunicorn's default", "uvicorn": "uvicorn's default",
                  "hypercorn": "hypercorn's default", "fastapi-run": "fastapi run's default"}


_DISPLAY = {"flask-run": "flask run", "runserver": "manage.py runserver",
            "fastapi-run": "fastapi run", "fastapi-dev": "fastapi dev"}


def display(kind: str) -> str:
    """A server kind as people write it (``flask run``, not ``flask-run``)."""
    return _DISPLAY.get(kind, kind)


def short(path: str) -> str:
    return posixpath.basename(path) or path


def container_name(workload: Workload) -> str:
    return str(workload.container.get("name", "?"))


def yaml_path(workload: Workload, *rest: str | int) -> tuple[str | int, ...]:
    """Path of ``rest`` inside the workload's container, from the YAML document root."""
    prefix: tuple[str | int, ...] = () if workload.obj.list_item is None else (
        "items", workload.obj.list_item)
    return (*prefix, *workload.ref.path, *rest)


def pod_spec_yaml_path(obj: KubeObject) -> tuple[str | int, ...]:
    prefix: tuple[str | int, ...] = () if obj.list_item is None else ("items", obj.list_item)
    return (*prefix, *POD_SPEC_PATHS.get(obj.kind, ()))


def servers(project: Project) -> Iterator[tuple[Workload, EffectiveServer]]:
    """Each container (init containers excluded) with the server it runs."""
    for workload in project.workloads():
        server = project.server_for(workload)
        if server is not None:
            yield workload, server


def commands(project: Project) -> Iterator[tuple[EffectiveServer, Workload | None]]:
    """Every server command once per place it is written: containers, the final stage of each
    Dockerfile, and Procfile processes when no Kubernetes workload was given."""
    seen: set[tuple[str, int]] = set()
    any_workload = False
    for workload, server in servers(project):
        any_workload = True
        if (server.path, server.line) not in seen:
            seen.add((server.path, server.line))
            yield server, workload
    for doc in project.dockerfiles:
        image = project.server_for_dockerfile(doc)
        if image is not None and (image.path, image.line) not in seen:
            seen.add((image.path, image.line))
            yield image, None
    if any_workload:
        return
    for procfile in project.procfiles:
        for line, text in procfile.processes.values():
            process = project.resolve_server(split_shell(text), {}, None, procfile.path, line)
            if process is not None:
                yield process, None


def uses_podfit_runtime(server: EffectiveServer) -> bool:
    """gunicorn configured by ``podfit.runtime.gunicorn_conf`` (directly or star-imported):
    workers, graceful timeout, keep-alive and metrics are then sized at run time."""
    reference = server.command.option("config") or ""
    return "podfit.runtime" in reference or (
        server.config is not None and "podfit.runtime" in server.config.text)


def reads_node_cpus(value: str | None) -> bool:
    return bool(value and _NODE_CPUS.search(value))


@dataclass(frozen=True)
class CpuFormula:
    """A gunicorn config's ``workers`` computed, somewhere up its chain of assignments, from
    the CPU count (``cpu_count()``), and the environment variables that feed the chain."""

    line: int  # of the module-level ``workers = …``
    cpu_line: int  # of the cpu_count() call
    source: str  # the ``workers`` expression as written
    env: frozenset[str]


_ENV_READ = re.compile(r"(?:getenv|environ\.get|environ\[)\s*\(?\s*['\"]([A-Za-z_]\w*)['\"]")


def config_cpu_formula(config: GunicornConfig, key: str = "workers") -> CpuFormula | None:
    """Follow assignments anywhere outside functions (``if``/``try`` blocks included) to a
    fixpoint, so ``workers = web_concurrency`` set in an ``else:`` from ``cpu_count()`` counts."""
    try:
        tree = ast.parse(config.text)
    except SyntaxError:
        return None
    assigned: dict[str, list[ast.expr]] = {}
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign) and node.value:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    assigned.setdefault(target.id, []).append(node.value)
        stack.extend(ast.iter_child_nodes(node))
    cpu: dict[str, int] = {}  # name -> line of the cpu_count() it depends on
    env: dict[str, set[str]] = {name: set() for name in assigned}
    changed = True
    while changed:
        changed = False
        for name, values in assigned.items():
            for value in values:
                text = ast.get_source_segment(config.text, value) or ""
                reads = set(_ENV_READ.findall(text))
                names = {n.id for n in ast.walk(value) if isinstance(n, ast.Name)}
                for other in names & assigned.keys():
                    reads |= env[other]
                if not reads <= env[name]:
                    env[name] |= reads
                    changed = True
                if name in cpu:
                    continue
                call = next((n for n in ast.walk(value) if isinstance(n, ast.Call) and
                             _NODE_CPUS.search(ast.unparse(n.func))), None)
                line = call.lineno if call is not None else next(
                    (cpu[n] for n in sorted(names) if n in cpu), None)
                if line is not None:
                    cpu[name] = line
                    changed = True
    setting = config.settings.get(key)
    if setting is None or key not in cpu:
        return None
    return CpuFormula(setting.line, cpu[key], setting.source, frozenset(env.get(key, ())))


@dataclass(frozen=True)
class Origin:
    """Where a setting's value came from: a file and line, and words for a message."""

    path: str
    line: int
    text: str


def _dockerfile_env_line(doc: DockerfileDoc, name: str) -> int | None:
    stage = doc.final_stage
    if stage is None:
        return None
    wanted = {stage.index}
    parent = doc.stage_by_name(doc.resolve(stage.image))
    while parent is not None and parent.index not in wanted:
        wanted.add(parent.index)
        parent = doc.stage_by_name(doc.resolve(parent.image))
    found = None
    for ins in doc.instructions:
        if ins.cmd == "ENV" and ins.stage in wanted and name in env_pairs(ins):
            found = ins.line
    return found


def env_origin(server: EffectiveServer, workload: Workload | None, name: str) -> Origin | None:
    """Where env var ``name`` is set: the container's env, else the Dockerfile's ENV."""
    if workload is not None:
        line = container_env_line(workload, name)
        if line is not None:
            return Origin(workload.obj.path, line, f"env {name} in {short(workload.obj.path)}")
    if server.dockerfile is not None:
        line = _dockerfile_env_line(server.dockerfile, name)
        if line is not None:
            return Origin(server.dockerfile.path, line,
                          f"ENV {name} in {short(server.dockerfile.path)} line {line}")
    return None


def option_origin(server: EffectiveServer, workload: Workload | None, key: str) -> Origin:
    """Where option ``key`` of ``server`` was set (its command when it is a default)."""
    source = server.sources.get(key)
    if source is None:
        label = _DEFAULT_LABEL.get(server.command.kind, "the default")
        return Origin(server.path, server.line, label)
    if source.startswith("env "):
        origin = env_origin(server, workload, source[4:])
        if origin is not None:
            return origin
        return Origin(server.path, server.line, source)
    if server.config is not None and source == server.config.path:
        setting = server.config.settings.get(key)
        line = setting.line if setting else 1
        return Origin(source, line, f"{short(source)} line {line}")
    where = "Dockerfile" if server.dockerfile is not None and \
        server.path == server.dockerfile.path else short(server.path)
    return Origin(server.path, server.line, f"the command in {where} line {server.line}")


def process_count(server: EffectiveServer) -> tuple[int, int] | None:
    """(workers, extra supervisor processes) of a forking server, when the count is known."""
    kind = server.command.kind
    if kind in WEB_KINDS:
        workers = server.int_option("workers")
        if workers is None:
            if "workers" in server.options:
                return None  # computed: another rule judges formulas
            workers = 1
        extra = 1 if kind in {"gunicorn", "hypercorn"} or workers > 1 else 0
        return workers, extra
    if kind == "celery" and server.command.subcommand == "worker" and is_prefork(server):
        concurrency = server.int_option("concurrency")
        return (concurrency, 1) if concurrency is not None else None
    return None


def is_prefork(server: EffectiveServer) -> bool:
    """A Celery worker whose pool forks processes (the default ``prefork``)."""
    pool = server.options.get("pool", "prefork")
    return pool in {"prefork", "processes"}


# -- fixes -----------------------------------------------------------------------------------
def append_argument_fix(server: EffectiveServer, workload: Workload | None, argument: str,
                        description: str) -> Fix | None:
    """An unsafe fix adding ``argument`` (``--opt=value``) to the end of a command written as
    a list: a container's own ``command``/``args``, or a one-line exec-form Dockerfile
    instruction. Commands inside ``sh -c`` strings, scripts or shell form get no fix."""
    if any(w.endswith(" -c") for w in server.command.wrapped_by):
        return None
    if workload is not None and server.path == workload.obj.path:
        key = "args" if isinstance(workload.container.get("args"), list) else "command"
        if not isinstance(workload.container.get(key), list):
            return None
        edit = YamlEdit(workload.obj.document, yaml_path(workload), key, argument, "append")
        return Fix(description, FixSafety.UNSAFE, yaml_edits=(edit,))
    doc = server.dockerfile
    if doc is None or server.path != doc.path:
        return None
    ins = next((i for i in doc.instructions if i.line == server.line), None)
    lines = doc.text.splitlines()
    if ins is None or not ins.json or ins.end_line != ins.line or ins.line > len(lines):
        return None
    text = lines[ins.line - 1]
    end = text.rfind("]")
    if end < 0:
        return None
    insert = TextEdit(ins.line, end, ins.line, end, f', "{argument}"')
    return Fix(description, FixSafety.UNSAFE, text_edits=(insert,))


# -- what the app installs ---------------------------------------------------------------------
def _related(directory: str, other: str) -> bool:
    a, b = directory or ".", other or "."
    return "." in {a, b} or a == b or a.startswith(b + "/") or b.startswith(a + "/")


def app_packages(project: Project, doc: DockerfileDoc | None, names: frozenset[str]) -> set[str]:
    """Which of ``names`` (normalized) the app depends on: installed by name in the linked
    Dockerfile, or listed in a requirements file / pyproject.toml in its directory tree (any
    of them when no Dockerfile was given at all)."""
    found: set[str] = set()
    if doc is not None:
        pattern = re.compile(r"(?<![\w-])(" + "|".join(
            re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")(?![\w-])")
        for ins in doc.instructions:
            if ins.cmd == "RUN" and "install" in ins.text:
                found |= {m.group(1).lower() for m in pattern.finditer(ins.text.lower())}
    if doc is None and project.dockerfiles:
        return found  # an image we cannot see: its requirements are unknown
    home = posixpath.dirname(doc.path) if doc else ""
    for reqs in [*project.requirements, *(p.dependencies for p in project.pyprojects)]:
        if doc is None or _related(home, posixpath.dirname(reqs.path)):
            found |= reqs.names() & names
    return found


def _items(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def on_scratch_volume(workload: Workload, path: str) -> bool:
    """Whether ``path`` lies on a writable emptyDir mount of the container, or /dev/shm."""
    if path == "/dev/shm" or path.startswith("/dev/shm/") or "$(" in path:
        return True
    spec = pod_spec(workload.obj.data) or {}
    volumes = {str(v.get("name")): v for v in _items(spec.get("volumes"))
               if isinstance(v, Mapping)}
    for mount in _items(workload.container.get("volumeMounts")):
        if not isinstance(mount, Mapping) or mount.get("readOnly") is True:
            continue
        base = str(mount.get("mountPath", "")).rstrip("/")
        if base and (path.rstrip("/") == base or path.startswith(base + "/")):
            return "emptyDir" in volumes.get(str(mount.get("name")), {})
    return False


# -- shutdown -------------------------------------------------------------------------------
DEFAULT_GRACE = 30


def grace_period(obj: KubeObject) -> tuple[int, int | None]:
    """``terminationGracePeriodSeconds`` of the pods (default 30) and its line if written."""
    spec = pod_spec(obj.data)
    if spec is None:
        return DEFAULT_GRACE, None
    value = spec.get("terminationGracePeriodSeconds")
    if isinstance(value, int) and not isinstance(value, bool):
        line_of = getattr(spec, "line_of", None)
        return value, int(line_of("terminationGracePeriodSeconds")) if line_of else None
    return DEFAULT_GRACE, None


_SLEEP = re.compile(r"(?:^|[;&|]\s*|\s)sleep\s+(\d+)")


def prestop(container: Mapping[str, Any]) -> Mapping[str, Any] | None:
    hook = dig(container, "lifecycle", "preStop")
    return hook if isinstance(hook, Mapping) else None


def prestop_sleep(container: Mapping[str, Any]) -> int:
    """Seconds the preStop hook sleeps (native ``sleep`` action or an exec ``sleep N``)."""
    hook = prestop(container)
    if hook is None:
        return 0
    seconds = dig(hook, "sleep", "seconds")
    if isinstance(seconds, int) and not isinstance(seconds, bool):
        return seconds
    command = dig(hook, "exec", "command")
    if isinstance(command, list):
        match = _SLEEP.search(" " + " ".join(str(c) for c in command))
        if match:
            return int(match.group(1))
    return 0


def drain_seconds(server: EffectiveServer) -> int | None:
    """podfit.runtime's drain delay (``PODFIT_DRAIN_SECONDS``, 5 s by default)."""
    value = server.env.get("PODFIT_DRAIN_SECONDS")
    if value is not None:
        try:
            return int(float(value))
        except ValueError:
            return 5
    return 5 if uses_podfit_runtime(server) else None


# -- traffic ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Routing:
    """Services in front of workloads, indexed once per rule run (rules stay linear on
    thousands of objects)."""

    services: tuple[KubeObject, ...]
    routed: frozenset[tuple[str, str]]  # (namespace, service name) an Ingress/route sends to
    #: services by one (key, value) of their selector: a pod must carry it to be selected
    by_label: Mapping[tuple[str, str], tuple[KubeObject, ...]]

    @classmethod
    def of(cls, project: Project) -> Routing:
        services = tuple(project.objects_of("Service"))
        routed: set[tuple[str, str]] = set()
        for obj in project.objects_of("Ingress", "HTTPRoute", "GRPCRoute"):
            namespace = obj.namespace or "default"
            for name in _backend_names(obj.data.get("spec")):
                routed.add((namespace, name))
        index: dict[tuple[str, str], list[KubeObject]] = {}
        for service in services:
            selector = dig(service.data, "spec", "selector")
            if isinstance(selector, Mapping) and selector:
                key, value = min((str(k), str(v)) for k, v in selector.items())
                index.setdefault((key, value), []).append(service)
        return cls(services, frozenset(routed), {k: tuple(v) for k, v in index.items()})

    def services_for(self, project: Project, obj: KubeObject) -> list[KubeObject]:
        labels = pod_template_labels(obj.data)
        found = []
        for key, value in labels.items():
            for service in self.by_label.get((str(key), str(value)), ()):
                if selector_matches(dig(service.data, "spec", "selector"), labels) and \
                        project.same_namespace(service, obj):
                    found.append(service)
        return sorted(found, key=lambda s: (s.path, s.line))

    def proxied(self, service: KubeObject) -> str | None:
        """Why a proxy with an idle timeout sits in front of ``service``, if one does."""
        if dig(service.data, "spec", "type") == "LoadBalancer":
            return f"Service/{service.name} is of type LoadBalancer"
        if ((service.namespace or "default"), service.name) in self.routed:
            return f"an Ingress routes to Service/{service.name}"
        return None


def _backend_names(node: object) -> Iterator[str]:
    """Service names in an Ingress (``service.name``, legacy ``serviceName``) or a Gateway
    API route (``backendRefs[].name``)."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key == "service" and isinstance(value, Mapping) and value.get("name"):
                yield str(value["name"])
            elif key == "serviceName" and isinstance(value, str):
                yield value
            elif key == "backendRefs" and isinstance(value, list):
                for ref in value:
                    if isinstance(ref, Mapping) and ref.get("name") and ref.get(
                            "kind", "Service") == "Service":
                        yield str(ref["name"])
            else:
                yield from _backend_names(value)
    elif isinstance(node, list):
        for item in node:
            yield from _backend_names(item)
