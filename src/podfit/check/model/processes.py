"""What the servers do with what they are given: process counts, CPU formulas, where each
setting came from (for messages), fixes on a command line, what the app installs and how it
shuts down."""

from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from podfit.check.documents.dockerfile import DockerfileDoc, env_pairs
from podfit.check.documents.python_config import GunicornConfig
from podfit.check.model.servers import (
    _NODE_CPUS,
    WEB_KINDS,
    EffectiveServer,
    resolve_server,
    short,
    uses_podfit_runtime,
)
from podfit.check.model.workloads import (
    Workload,
    container_env_line,
    yaml_path,
)
from podfit.core.models import Fix, FixSafety, TextEdit, YamlEdit
from podfit.core.servers import split_shell

if TYPE_CHECKING:
    from podfit.check.model.model import Model

_DEFAULT_LABEL = {"gunicorn": "gunicorn's default", "uvicorn": "uvicorn's default",
                  "hypercorn": "hypercorn's default", "fastapi-run": "fastapi run's default"}


def servers(model: Model) -> Iterator[tuple[Workload, EffectiveServer]]:
    """Each container (init containers excluded) with the server it runs."""
    for workload in model.workloads():
        server = model.server_for(workload)
        if server is not None:
            yield workload, server


def commands(model: Model) -> Iterator[tuple[EffectiveServer, Workload | None]]:
    """Every server command once per place it is written: containers, the final stage of each
    Dockerfile, and Procfile processes when no Kubernetes workload was given."""
    seen: set[tuple[str, int]] = set()
    any_workload = False
    for workload, server in servers(model):
        any_workload = True
        if (server.path, server.line) not in seen:
            seen.add((server.path, server.line))
            yield server, workload
    for doc in model.dockerfiles:
        image = model.server_for_dockerfile(doc)
        if image is not None and (image.path, image.line) not in seen:
            seen.add((image.path, image.line))
            yield image, None
    if any_workload:
        return
    for procfile in model.procfiles:
        for line, text in procfile.processes.values():
            process = resolve_server(model.files, split_shell(text), {}, None,
                                     path=procfile.path, line=line)
            if process is not None:
                yield process, None


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


def _related(directory: str, other: str) -> bool:
    a, b = directory or ".", other or "."
    return "." in {a, b} or a == b or a.startswith(b + "/") or b.startswith(a + "/")


def app_packages(model: Model, doc: DockerfileDoc | None, names: frozenset[str]) -> set[str]:
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
    if doc is None and model.dockerfiles:
        return found  # an image we cannot see: its requirements are unknown
    home = posixpath.dirname(doc.path) if doc else ""
    for reqs in [*model.requirements, *(p.dependencies for p in model.pyprojects)]:
        if doc is None or _related(home, posixpath.dirname(reqs.path)):
            found |= reqs.names() & names
    return found


def drain_seconds(server: EffectiveServer) -> int | None:
    """podfit.runtime's drain delay (``PODFIT_DRAIN_SECONDS``, 5 s by default)."""
    value = server.env.get("PODFIT_DRAIN_SECONDS")
    if value is not None:
        try:
            return int(float(value))
        except ValueError:
            return 5
    return 5 if uses_podfit_runtime(server) else None
