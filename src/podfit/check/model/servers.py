"""The effective server command of a container or an image: ``command``/``args`` over the
image's ENTRYPOINT/CMD, scripts seen through, and options merged in the server's own
precedence order (CLI > ``GUNICORN_CMD_ARGS`` > config file > ``WEB_CONCURRENCY``), each with
where it came from."""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass

from podfit.check.documents.dockerfile import DockerfileDoc
from podfit.check.documents.python_config import GunicornConfig, ShellScript
from podfit.check.model.images import Files, last_instruction
from podfit.check.model.workloads import Workload
from podfit.core.servers import (
    ServerCommand,
    assignments,
    expand_vars,
    parse_cmd_args,
    parse_server_command,
    split_shell,
)

#: Servers that fork worker processes to serve HTTP.
WEB_KINDS = frozenset({"gunicorn", "uvicorn", "hypercorn", "fastapi-run"})


#: Kinds that serve HTTP in some form (dev servers included).
HTTP_KINDS = WEB_KINDS | {"fastapi-dev", "flask-run", "runserver"}


#: Kinds that run Python at all.
PYTHON_KINDS = HTTP_KINDS | {"celery", "python"}


_NODE_CPUS = re.compile(r"\bnproc\b|cpu_count|process_cpu_count|getconf\s+_NPROCESSORS")


_DISPLAY = {"flask-run": "flask run", "runserver": "manage.py runserver",
            "fastapi-run": "fastapi run", "fastapi-dev": "fastapi dev"}


def display(kind: str) -> str:
    """A server kind as people write it (``flask run``, not ``flask-run``)."""
    return _DISPLAY.get(kind, kind)


def short(path: str) -> str:
    return posixpath.basename(path) or path


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



def resolve_container(files: Files, workload: Workload) -> EffectiveServer | None:
    """The server ``workload``'s container runs."""
    c = workload.container
    env = container_env(workload)
    image = str(c.get("image", ""))
    near = workload.obj.path
    doc = files.dockerfile_for_image(image, near) if image else None
    command = [str(a) for a in c.get("command") or []] if isinstance(
        c.get("command"), list) else []
    args = [str(a) for a in c.get("args") or []] if isinstance(c.get("args"), list) else []
    if env:  # Kubernetes expands $(VAR) in command and args from the container's env
        command, args = _kube_expand(command, env), _kube_expand(args, env)
    path, line = workload.obj.path, workload.line_of("command", "args", "image")
    argv = command + args
    if not command and doc is not None:
        image_argv, instruction = files.image_command(doc)
        if args:
            entry = last_instruction(doc.final_stage, "ENTRYPOINT")
            entry_argv = entry.argv() if entry else []
            script = files.script(entry_argv[0], doc.path) if entry_argv else None
            if script and script.last_command and "$@" in script.last_command[1]:
                entry_argv = []  # `exec "$@"`: the args are the command
            argv = entry_argv + args
        else:
            argv = image_argv
            if instruction is not None:
                path, line = doc.path, instruction.line
    if doc is not None and doc.final_stage is not None:
        env = {**doc.stage_env(doc.final_stage), **env}
    return resolve_server(files, argv, env, doc, path=path, line=line)


def resolve_dockerfile(files: Files, doc: DockerfileDoc) -> EffectiveServer | None:
    """The server the image's CMD/ENTRYPOINT starts."""
    argv, instruction = files.image_command(doc)
    env = doc.stage_env(doc.final_stage) if doc.final_stage else {}
    return resolve_server(files, argv, env, doc, path=doc.path,
                          line=instruction.line if instruction else 1)


@functools.lru_cache(maxsize=4096)
def _parse_command(argv: tuple[str, ...]) -> ServerCommand | None:
    """Parsed once per distinct argv: a repository repeats the same few commands in every
    overlay, and splitting ``sh -c`` scripts is the slow part. Nothing mutates the result."""
    return parse_server_command(argv)


def resolve_server(files: Files, argv: list[str], env: dict[str, str],
                   doc: DockerfileDoc | None, *, path: str, line: int) -> EffectiveServer | None:
    """Parse ``argv`` (written at ``path``:``line``) and merge every source of its options."""
    command = _parse_command(tuple(argv))
    if command is None:
        return None
    near = path
    script = _script_run_by(files, command, near)
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
        config = files.gunicorn_config(command.option("config"), near)
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


def _script_run_by(files: Files, command: ServerCommand, near: str) -> ShellScript | None:
    if command.kind != "other" or not command.argv:
        return None
    argv = list(command.argv)
    if posixpath.basename(argv[0]) in {"sh", "bash", "ash", "dash", "zsh"}:
        argv = [a for a in argv[1:] if not a.startswith("-")]
    return files.script(argv[0], near) if argv else None


def container_env(workload: Workload) -> dict[str, str]:
    """The container's literal ``env`` values."""
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


def uses_podfit_runtime(server: EffectiveServer) -> bool:
    """gunicorn configured by ``podfit.runtime.gunicorn_conf`` (directly or star-imported):
    workers, graceful timeout, keep-alive and metrics are then sized at run time."""
    reference = server.command.option("config") or ""
    return "podfit.runtime" in reference or (
        server.config is not None and "podfit.runtime" in server.config.text)


def reads_node_cpus(value: str | None) -> bool:
    return bool(value and _NODE_CPUS.search(value))
