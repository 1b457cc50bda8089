"""Everything ``check`` read, linked across files: containers ↔ Dockerfiles ↔ server config."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from podfit.check.documents.dockerfile import DockerfileDoc, Instruction, Stage
from podfit.check.documents.kubernetes import KubeFile, KubeObject
from podfit.check.documents.python_config import (
    DockerIgnore,
    GunicornConfig,
    Procfile,
    PyProject,
    Requirements,
    ShellScript,
)
from podfit.check.settings import CheckSettings
from podfit.core.kube import ContainerRef, containers
from podfit.core.servers import (
    ServerCommand,
    assignments,
    expand_vars,
    parse_cmd_args,
    parse_server_command,
    split_shell,
)

#: Images that are never built from the user's Dockerfile (databases, proxies, sidecars).
THIRD_PARTY = frozenset({"postgres", "redis", "nginx", "mysql", "mariadb", "memcached", "busybox",
                         "alpine", "rabbitmq", "mongo", "envoy", "haproxy", "traefik", "prometheus",
                         "grafana", "pause", "curl", "cloud-sql-proxy", "otel-collector"})


@dataclass(frozen=True)
class Workload:
    """A Kubernetes object that runs pods, and one of its containers."""

    obj: KubeObject
    ref: ContainerRef

    @property
    def container(self) -> Mapping[str, Any]:
        return self.ref.container

    def line_of(self, *keys: str) -> int:
        """Line of the first of ``keys`` present in the container, else the container's line."""
        c = self.ref.container
        for key in keys:
            if key in c and hasattr(c, "line_of"):
                return int(c.line_of(key))
        return int(getattr(c, "line", self.obj.line))


@dataclass(frozen=True)
class EffectiveServer:
    """The server a container runs, with settings merged in gunicorn's own precedence order."""

    command: ServerCommand
    options: dict[str, str]  # merged: CLI > GUNICORN_CMD_ARGS > config file > WEB_CONCURRENCY
    sources: dict[str, str]  # option -> where it came from (for messages)
    env: dict[str, str]
    dockerfile: DockerfileDoc | None
    config: GunicornConfig | None
    path: str
    line: int  # where the command is written

    def int_option(self, name: str) -> int | None:
        value = self.options.get(name)
        try:
            return int(value) if value is not None else None
        except ValueError:
            return None


@dataclass
class Project:
    settings: CheckSettings
    dockerfiles: list[DockerfileDoc] = field(default_factory=list)
    kube_files: list[KubeFile] = field(default_factory=list)
    gunicorn_configs: list[GunicornConfig] = field(default_factory=list)
    scripts: list[ShellScript] = field(default_factory=list)
    requirements: list[Requirements] = field(default_factory=list)
    pyprojects: list[PyProject] = field(default_factory=list)
    procfiles: list[Procfile] = field(default_factory=list)
    dockerignores: dict[str, DockerIgnore] = field(default_factory=dict)  # by directory
    context_entries: dict[str, frozenset[str]] = field(default_factory=dict)  # dir -> top names
    _workloads: dict[tuple[object, ...], tuple[Workload, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False)
    _servers: dict[tuple[object, ...], EffectiveServer | None] = field(
        default_factory=dict, init=False, repr=False, compare=False)
    _by_kind: dict[str, list[KubeObject]] = field(
        default_factory=dict, init=False, repr=False, compare=False)
    _by_kind_key: tuple[int, ...] | None = field(default=None, init=False, repr=False,
                                                  compare=False)
    _order: dict[int, int] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def objects(self) -> Iterator[KubeObject]:
        for kube_file in self.kube_files:
            yield from kube_file.objects

    def objects_of(self, *kinds: str) -> Iterator[KubeObject]:
        """Objects of these kinds, in input order (indexed once: every rule asks)."""
        key = self._generation()
        if self._by_kind_key != key:
            index: dict[str, list[KubeObject]] = {}
            for position, obj in enumerate(self.objects):
                index.setdefault(obj.kind, []).append(obj)
                self._order[id(obj)] = position
            self._by_kind, self._by_kind_key = index, key
        if len(kinds) == 1:
            return iter(self._by_kind.get(kinds[0], ()))
        found = [o for kind in dict.fromkeys(kinds) for o in self._by_kind.get(kind, ())]
        return iter(sorted(found, key=lambda o: self._order[id(o)]))

    def workloads(self, *, include_init: bool = False) -> Iterator[Workload]:
        # Memoized: most rules walk every container, and the inputs no longer change once
        # the rules run (the key still notices files added afterwards).
        key = (include_init, self._generation())
        found = self._workloads.get(key)
        if found is None:
            found = self._workloads[key] = tuple(
                Workload(obj, ref) for obj in self.objects
                for ref in containers(obj.data, include_init=include_init))
        return iter(found)

    def _generation(self) -> tuple[int, ...]:
        return (len(self.kube_files), len(self.dockerfiles), len(self.gunicorn_configs),
                len(self.scripts), len(self.procfiles))

    def same_namespace(self, a: KubeObject, b: KubeObject) -> bool:
        return (a.namespace or "default") == (b.namespace or "default") or not (
            a.namespace and b.namespace)

    # -- links ---------------------------------------------------------------------------------
    def dockerfile_for_image(self, image: str) -> DockerfileDoc | None:
        """The Dockerfile that builds ``image``: from config, by name, or the only one."""
        repo = image.split("@", 1)[0]
        repo = repo.rsplit(":", 1)[0] if ":" in repo.rsplit("/", 1)[-1] else repo
        for pattern, path in self.settings.images.items():
            if repo == pattern or repo.endswith("/" + pattern) or image == pattern:
                for doc in self.dockerfiles:
                    if doc.path == path or doc.path.endswith("/" + path.lstrip("./")):
                        return doc
        short = repo.rsplit("/", 1)[-1]
        if short in THIRD_PARTY or not self.dockerfiles:
            return None
        for doc in self.dockerfiles:
            directory = posixpath.basename(posixpath.dirname(doc.path)) or "."
            name = posixpath.basename(doc.path)
            if short in {directory, name.removeprefix("Dockerfile.").removesuffix(".Dockerfile")}:
                return doc
        return self.dockerfiles[0] if len(self.dockerfiles) == 1 else None

    def gunicorn_config(self, reference: str | None) -> GunicornConfig | None:
        """The config named by ``-c`` (path or ``python:module``), or ``gunicorn.conf.py``."""
        if not self.gunicorn_configs:
            return None
        if reference:
            wanted = reference.removeprefix("python:").replace(".", "/") + ".py" \
                if reference.startswith("python:") else reference
            base = posixpath.basename(wanted)
            for config in self.gunicorn_configs:
                if config.path.endswith(wanted.lstrip("./")) or posixpath.basename(
                        config.path) == base:
                    return config
            return None
        for config in self.gunicorn_configs:
            if posixpath.basename(config.path) == "gunicorn.conf.py":
                return config
        return None

    def script(self, reference: str) -> ShellScript | None:
        name = posixpath.basename(reference)
        for script in self.scripts:
            if posixpath.basename(script.path) == name:
                return script
        return None

    # -- what a container runs ----------------------------------------------------------------
    def image_command(self, doc: DockerfileDoc) -> tuple[list[str], Instruction | None]:
        """ENTRYPOINT + CMD of the final stage (a script entrypoint that ``exec "$@"`` is
        seen through), with the instruction to point findings at."""
        stage = doc.final_stage
        if stage is None:
            return [], None
        entry = _last(stage, "ENTRYPOINT")
        cmd = _last(stage, "CMD")
        argv: list[str] = []
        if entry is not None:
            argv += entry.argv()
            script = self.script(argv[0]) if argv else None
            if script and script.last_command and "$@" in script.last_command[1]:
                argv = []
        if cmd is not None:
            argv += cmd.argv()
        return argv, cmd or entry

    def server_for(self, workload: Workload) -> EffectiveServer | None:
        """The server ``workload``'s container runs (memoized: a dozen rules ask for each)."""
        key = (id(workload.obj.data), workload.ref.path, self._generation())
        if key not in self._servers:
            self._servers[key] = self._server_for(workload)
        return self._servers[key]

    def _server_for(self, workload: Workload) -> EffectiveServer | None:
        c = workload.container
        env = self._env(workload)
        image = str(c.get("image", ""))
        doc = self.dockerfile_for_image(image) if image else None
        command = [str(a) for a in c.get("command") or []] if isinstance(
            c.get("command"), list) else []
        args = [str(a) for a in c.get("args") or []] if isinstance(c.get("args"), list) else []
        if env:  # Kubernetes expands $(VAR) in command and args from the container's env
            command, args = _kube_expand(command, env), _kube_expand(args, env)
        path, line = workload.obj.path, workload.line_of("command", "args", "image")
        argv = command + args
        if not command and doc is not None:
            image_argv, instruction = self.image_command(doc)
            if args:
                stage = doc.final_stage
                entry = _last(stage, "ENTRYPOINT") if stage else None
                entry_argv = entry.argv() if entry else []
                script = self.script(entry_argv[0]) if entry_argv else None
                if script and script.last_command and "$@" in script.last_command[1]:
                    entry_argv = []  # `exec "$@"`: the args are the command
                argv = entry_argv + args
            else:
                argv = image_argv
                if instruction is not None:
                    path, line = doc.path, instruction.line
        if doc is not None and doc.final_stage is not None:
            env = {**doc.stage_env(doc.final_stage), **env}
        return self.resolve_server(argv, env, doc, path, line)

    def server_for_dockerfile(self, doc: DockerfileDoc) -> EffectiveServer | None:
        """The server the image's CMD/ENTRYPOINT starts (memoized like ``server_for``)."""
        key = ("image", id(doc), self._generation())
        if key not in self._servers:
            self._servers[key] = self._server_for_dockerfile(doc)
        return self._servers[key]

    def _server_for_dockerfile(self, doc: DockerfileDoc) -> EffectiveServer | None:
        argv, instruction = self.image_command(doc)
        env = doc.stage_env(doc.final_stage) if doc.final_stage else {}
        return self.resolve_server(argv, env, doc, doc.path,
                                   instruction.line if instruction else 1)

    def resolve_server(self, argv: list[str], env: dict[str, str], doc: DockerfileDoc | None,
                       path: str, line: int) -> EffectiveServer | None:
        command = parse_server_command(argv)
        if command is None:
            return None
        script = self._script_run_by(command)
        if script is not None and script.last_command is not None:
            # a script that ends in the server (not in `exec "$@"`): the server is its last line
            script_env = dict(env)
            for _, text in script.commands[:-1]:
                script_env.update(assignments(text, script_env))
            inner = parse_server_command(split_shell(expand_vars(script.last_command[1],
                                                                 script_env)))
            if inner is not None and inner.kind != "other":
                command, path, line = inner, script.path, script.last_command[0]
                env = script_env
        if command.shell_env:
            env = {**env, **command.shell_env}  # set by the command itself: wins
        options: dict[str, str] = {}
        sources: dict[str, str] = {}

        def merge(values: Mapping[str, str], source: str) -> None:
            for key, value in values.items():
                options[key] = value
                sources[key] = source

        config = None
        if command.kind == "gunicorn":
            if "WEB_CONCURRENCY" in env:
                merge({"workers": env["WEB_CONCURRENCY"]}, "env WEB_CONCURRENCY")
            config = self.gunicorn_config(command.option("config"))
            if config is not None:
                merge({k: str(s.value) if s.value is not None else _from_env(s.source, env)
                       for k, s in config.settings.items()}, config.path)
                for key, setting in config.settings.items():
                    if setting.uses_cpu_count:
                        options[key] = f"cpu_count(): {setting.source}"
            if env.get("GUNICORN_CMD_ARGS"):
                merge(parse_cmd_args(env["GUNICORN_CMD_ARGS"], "gunicorn"), "env GUNICORN_CMD_ARGS")
        elif command.kind in {"uvicorn", "fastapi-run"} and "WEB_CONCURRENCY" in env:
            merge({"workers": env["WEB_CONCURRENCY"]}, "env WEB_CONCURRENCY")
        shell_run = any(w.endswith(" -c") for w in command.wrapped_by)
        merge({k: expand_vars(v, env) if shell_run else v for k, v in command.options.items()},
              "command line")
        merge(dict.fromkeys(command.flags, "true"), "command line")
        return EffectiveServer(command, options, sources, env, doc, config, path, line)

    def _script_run_by(self, command: ServerCommand) -> ShellScript | None:
        if command.kind != "other" or not command.argv:
            return None
        argv = list(command.argv)
        if posixpath.basename(argv[0]) in {"sh", "bash", "ash", "dash", "zsh"}:
            argv = [a for a in argv[1:] if not a.startswith("-")]
        return self.script(argv[0]) if argv else None

    def _env(self, workload: Workload) -> dict[str, str]:
        env: dict[str, str] = {}
        items = workload.container.get("env")
        for item in items if isinstance(items, list) else []:
            if isinstance(item, Mapping) and "name" in item:
                value = item.get("value")
                env[str(item["name"])] = "" if value is None else str(value)
        return env


_KUBE_REFERENCE = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)")


def _kube_expand(words: list[str], env: dict[str, str]) -> list[str]:
    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        return env.get(match.group(1), match.group(0))

    return [_KUBE_REFERENCE.sub(replace, word) for word in words]


def _from_env(source: str, env: Mapping[str, str]) -> str:
    """A config value read from the environment with a default — ``int(os.environ.get("W",
    4))``, ``os.getenv("W", "4")``, ``os.environ["W"]`` — resolved with ``env``; any other
    expression is returned as written."""
    import ast

    try:
        node = ast.parse(source, mode="eval").body
    except SyntaxError:
        return source
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
            node.func.id in {"int", "str"} and len(node.args) == 1:
        node = node.args[0]
    name: object = None
    default: object = None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
            node.func.attr in {"get", "getenv"} and node.args:
        name = getattr(node.args[0], "value", None)
        default = getattr(node.args[1], "value", None) if len(node.args) > 1 else None
    elif isinstance(node, ast.Subscript) and ast.unparse(node.value).endswith("environ"):
        name = getattr(node.slice, "value", None)
    if not isinstance(name, str):
        return source
    if env.get(name):
        return env[name]
    return str(default) if isinstance(default, int | str) else source


def _last(stage: Stage | None, cmd: str) -> Instruction | None:
    if stage is None:
        return None
    found = [i for i in stage.instructions if i.cmd == cmd]
    return found[-1] if found else None


def container_env_line(workload: Workload, name: str) -> int | None:
    """Line of env var ``name`` in a container, if set there."""
    env = workload.container.get("env")
    if not isinstance(env, list):
        return None
    for index, item in enumerate(env):
        if isinstance(item, Mapping) and item.get("name") == name:
            return int(env.item_lines[index]) if hasattr(env, "item_lines") else None
    return None


__all__ = ["EffectiveServer", "Project", "Workload", "container_env_line"]
