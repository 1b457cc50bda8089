"""What a container's command starts: gunicorn, uvicorn, Celery, a dev server… and with what.

Commands come from Kubernetes ``command``/``args``, a Dockerfile's ENTRYPOINT/CMD, a Procfile
or a ``sh -c`` string; ``exec``, ``python -m``, ``uv run``, ``tini --`` and similar wrappers
are seen through (:func:`unwrap`) and can be put back around a rewritten command
(:meth:`Unwrapped.rewrap`). Values stay as written (``$(nproc)``) so rules can judge formulas.
check and profile both read commands through this module.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field, replace

from podfit.core.shell import assignments, expand_vars, join, split_shell, take_assignments

__all__ = ["ServerCommand", "ServerKind", "Unwrapped", "assignments", "expand_vars",
           "parse_cmd_args", "parse_server_command", "split_shell", "unwrap"]


class ServerKind(enum.StrEnum):
    """What a command runs. A ``StrEnum``: the value is the name users read in findings."""

    GUNICORN = "gunicorn"
    UVICORN = "uvicorn"
    HYPERCORN = "hypercorn"
    UWSGI = "uwsgi"
    DAPHNE = "daphne"
    CELERY = "celery"
    FLASK_RUN = "flask-run"
    DJANGO_RUNSERVER = "runserver"
    FASTAPI_DEV = "fastapi-dev"
    FASTAPI_RUN = "fastapi-run"
    PYTHON = "python"
    OTHER = "other"


#: Wrappers that run the real command after their own options.
_WRAPPERS = {"exec", "tini", "dumb-init", "ddtrace-run", "opentelemetry-instrument", "nice",
             "chpst", "gosu", "su-exec", "setpriv", "catatonit", "env"}
_RUNNERS = {("uv", "run"), ("poetry", "run"), ("pipenv", "run"), ("pdm", "run"),
            ("hatch", "run"), ("rye", "run"), ("newrelic-admin", "run-program")}
_SHELLS = {"sh", "bash", "ash", "dash", "zsh"}
_NODE_CPUS = re.compile(r"\bnproc\b|cpu_count|process_cpu_count|getconf\s+_NPROCESSORS")
_PYTHON = re.compile(r"python[0-9.]*")


@dataclass(frozen=True)
class ServerCommand:
    """A parsed server invocation. ``options`` maps a canonical option name to its raw value."""

    kind: ServerKind
    argv: tuple[str, ...]
    options: dict[str, str] = field(default_factory=dict)
    flags: frozenset[str] = frozenset()
    wrapped_by: tuple[str, ...] = ()  # e.g. ("sh -c",) or ("uv run",)
    #: False for ``sh -c "gunicorn …"`` without exec: the shell stays PID 1
    exec_in_shell: bool = True
    subcommand: str = ""  # celery: worker/beat; fastapi: dev/run
    shell_script: str = ""  # the innermost ``sh -c`` script the command was found in
    #: variables set on the way: ``sh -c "export WEB_CONCURRENCY=4; …"``, ``env A=1 gunicorn``
    shell_env: dict[str, str] = field(default_factory=dict)

    def option(self, name: str) -> str | None:
        return self.options.get(name)

    def int_option(self, name: str) -> int | None:
        value = self.options.get(name)
        try:
            return int(value) if value is not None else None
        except ValueError:
            return None

    def uses_node_cpus(self, name: str) -> bool:
        value = self.options.get(name)
        return bool(value and _NODE_CPUS.search(value))

    @property
    def is_dev_server(self) -> bool:
        return (self.kind in {ServerKind.FLASK_RUN, ServerKind.DJANGO_RUNSERVER,
                              ServerKind.FASTAPI_DEV}
                or "reload" in self.flags)


# option spellings -> canonical name, per server; flags take no value
_GUNICORN_OPTS = {
    "-w": "workers", "--workers": "workers", "--threads": "threads",
    "-k": "worker_class", "--worker-class": "worker_class", "-c": "config", "--config": "config",
    "--graceful-timeout": "graceful_timeout", "--keep-alive": "keepalive", "-t": "timeout",
    "--timeout": "timeout", "-b": "bind", "--bind": "bind", "--max-requests": "max_requests",
    "--worker-tmp-dir": "worker_tmp_dir", "--chdir": "chdir", "--worker-connections":
    "worker_connections",
}
_GUNICORN_FLAGS = {"--preload": "preload", "--reload": "reload", "--daemon": "daemon",
                   "-D": "daemon"}
_UVICORN_OPTS = {
    "--workers": "workers", "--timeout-graceful-shutdown": "graceful_timeout",
    "--timeout-keep-alive": "keepalive", "--host": "host", "--port": "port",
    "--limit-concurrency": "limit_concurrency", "--app-dir": "app_dir",
    "--log-config": "log_config",
}
_UVICORN_FLAGS = {"--reload": "reload", "--proxy-headers": "proxy_headers"}
_CELERY_OPTS = {
    "-c": "concurrency", "--concurrency": "concurrency", "-P": "pool", "--pool": "pool",
    "--autoscale": "autoscale", "-A": "app", "--app": "app", "-Q": "queues",
    "--max-tasks-per-child": "max_tasks_per_child", "-l": "loglevel", "--loglevel": "loglevel",
}
_HYPERCORN_OPTS = {"-w": "workers", "--workers": "workers", "-k": "worker_class",
                   "--worker-class": "worker_class", "--graceful-timeout": "graceful_timeout",
                   "-c": "config", "--config": "config", "-b": "bind", "--bind": "bind",
                   "--keep-alive": "keepalive"}

_SEPARATOR = re.compile(r"&&|\|\||;|\n")


def _last_segment(script: str) -> tuple[int, int] | None:
    """Where the last non-empty simple command of a script starts and ends."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SEPARATOR.finditer(script):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(script)))
    filled = [(s, e) for s, e in spans if script[s:e].strip()]
    if not filled:
        return None
    begin, end = filled[-1]
    text = script[begin:end]
    begin += len(text) - len(text.lstrip())
    return begin, begin + len(text.strip())


@dataclass(frozen=True)
class _Layer:
    """One wrapper peeled off: the words before the wrapped command, and for ``sh -c`` the
    script text around its last command and the words after the script."""

    before: tuple[str, ...]
    shell: bool = False
    head: str = ""
    tail: str = ""
    after: tuple[str, ...] = ()


@dataclass(frozen=True)
class Unwrapped:
    """A command with its shells, init wrappers and runners peeled off."""

    argv: tuple[str, ...]  # the innermost command
    wrapped_by: tuple[str, ...]
    exec_in_shell: bool
    shell_script: str
    env: dict[str, str]
    layers: tuple[_Layer, ...] = ()

    def rewrap(self, argv: list[str] | tuple[str, ...]) -> list[str]:
        """``argv`` in place of the innermost command, inside the same wrappers."""
        words = list(argv)
        for layer in reversed(self.layers):
            if layer.shell:
                words = [*layer.before, layer.head + join(words) + layer.tail, *layer.after]
            else:
                words = [*layer.before, *words]
        return words


#: ``-c`` alone or among combined short options (``-lc``, ``-ec``, ``-xec``).
_SHELL_C = re.compile(r"-[a-z]*c[a-z]*")

#: Wrapper options that take the next word as their value.
_TAKES_VALUE = {"-n", "-u", "-U", "-g", "-e", "-s", "--adjustment", "--user", "--group",
                "--rewrite", "--reuid", "--regid"}


def _strip_wrapper(head: str, rest: list[str], env: dict[str, str]) -> list[str]:
    """The command a wrapper runs: its own leading options (and ``--``) dropped, and the
    assignments of ``env``, the user argument of ``gosu``/``su-exec``."""
    i = 0
    while i < len(rest) and rest[i].startswith("-"):
        if rest[i] == "--":
            i += 1
            break
        takes_value = rest[i] in _TAKES_VALUE or (
            head == "opentelemetry-instrument" and "=" not in rest[i])
        i += 2 if takes_value else 1
    rest = rest[i:]
    if head == "env":
        rest = take_assignments(rest, env)
    elif head in {"gosu", "su-exec"} and rest:
        rest = rest[1:]
    return rest


def _enter_shell(args: list[str], position: int, env: dict[str, str]) -> tuple[list[str], _Layer]:
    """The last simple command of the ``sh -c`` script at ``args[position]``; variables the
    script assigns on the way are added to ``env``."""
    script = args[position] if position < len(args) else ""
    before, after = tuple(args[:position]), tuple(args[position + 1:])
    span = _last_segment(script)
    if span is None:
        return [], _Layer(before, shell=True, head=script, after=after)
    for part in _SEPARATOR.split(script[:span[0]]):
        if part.strip():
            take_assignments(split_shell(part), env)
    words = split_shell(script[span[0]:span[1]])
    command = take_assignments(words, env)
    lead = join(words[:len(words) - len(command)])
    head = script[:span[0]] + (lead + " " if lead else "")
    return command, _Layer(before, shell=True, head=head, tail=script[span[1]:], after=after)


def unwrap(argv: list[str] | tuple[str, ...]) -> Unwrapped | None:
    """Strip shells, ``exec``, init wrappers and ``uv run``-style runners off ``argv``;
    ``None`` for an empty command or one nested deeper than wrappers ever are."""
    args = [a for a in argv if a is not None]
    env: dict[str, str] = {}
    wrapped: list[str] = []
    layers: list[_Layer] = []
    exec_in_shell = True
    script = ""
    for _ in range(8):  # wrappers nest a few levels at most
        if not args:
            return None
        head = args[0].rsplit("/", 1)[-1]
        flag = next((i for i, a in enumerate(args[1:], 1) if _SHELL_C.fullmatch(a)), None) \
            if head in _SHELLS else None
        if flag is not None:
            script = args[flag + 1] if flag + 1 < len(args) else ""
            args, layer = _enter_shell(args, flag + 1, env)
            exec_in_shell = bool(args and args[0] == "exec")
            wrapped.append(f"{head} -c")
        elif head in _WRAPPERS:
            wrapped.append(head)
            rest = _strip_wrapper(head, args[1:], env)
            layer = _Layer(tuple(args[:len(args) - len(rest)]))
            args = rest
        elif len(args) >= 2 and (head, args[1]) in _RUNNERS:
            wrapped.append(f"{head} {args[1]}")
            layer, args = _Layer(tuple(args[:2])), args[2:]
        elif _PYTHON.fullmatch(head) and len(args) >= 3 and args[1] == "-m":
            wrapped.append("python -m")
            layer, args = _Layer(tuple(args[:2])), args[2:]
        else:
            return Unwrapped(tuple(args), tuple(wrapped), exec_in_shell, script, env,
                             tuple(layers))
        layers.append(layer)
    return None


def _parse_options(kind: ServerKind, argv: list[str], opts: dict[str, str],
                   flag_names: dict[str, str]) -> ServerCommand:
    options: dict[str, str] = {}
    flags: set[str] = set()
    positional: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        name, eq, inline = arg.partition("=")
        if arg in flag_names:
            flags.add(flag_names[arg])
        elif name in opts and eq:
            options[opts[name]] = inline
        elif arg in opts and i + 1 < len(argv):
            options[opts[arg]] = argv[i + 1]
            i += 1
        elif len(arg) > 2 and arg[:2] in opts and arg[1] != "-":  # -w4 short form
            options[opts[arg[:2]]] = arg[2:]
        elif not arg.startswith("-"):
            positional.append(arg)
        i += 1
    if positional:
        options.setdefault("app", positional[-1] if kind != ServerKind.CELERY
                           else options.get("app", ""))
    return ServerCommand(kind, tuple(argv), options, frozenset(flags))


def _classify(args: tuple[str, ...]) -> ServerCommand:
    head = args[0].rsplit("/", 1)[-1]
    rest = list(args[1:])
    if head == "gunicorn":
        return _parse_options(ServerKind.GUNICORN, rest, _GUNICORN_OPTS, _GUNICORN_FLAGS)
    if head == "uvicorn":
        return _parse_options(ServerKind.UVICORN, rest, _UVICORN_OPTS, _UVICORN_FLAGS)
    if head == "hypercorn":
        return _parse_options(ServerKind.HYPERCORN, rest, _HYPERCORN_OPTS,
                              {"--reload": "reload"})
    if head in {"uwsgi", "daphne"}:  # configured by ini files and flags check does not judge
        return ServerCommand(ServerKind(head), tuple(rest))
    if head == "celery":
        result = _parse_options(ServerKind.CELERY, rest, _CELERY_OPTS, {})
        sub = next((a for a in rest if a in {"worker", "beat", "flower", "multi"}), "")
        return replace(result, subcommand=sub)
    if head == "flask" and "run" in rest:
        return ServerCommand(ServerKind.FLASK_RUN, tuple(rest))
    if head == "fastapi" and rest and rest[0] in {"dev", "run"}:
        parsed = _parse_options(ServerKind.UVICORN, rest[1:], _UVICORN_OPTS, _UVICORN_FLAGS)
        kind = ServerKind.FASTAPI_DEV if rest[0] == "dev" else ServerKind.FASTAPI_RUN
        return replace(parsed, kind=kind, subcommand=rest[0])
    runs_manage = head in {"django-admin", "manage.py"} or any(
        a.endswith("manage.py") for a in rest)
    if runs_manage and "runserver" in args:
        return ServerCommand(ServerKind.DJANGO_RUNSERVER, tuple(rest))
    if _PYTHON.fullmatch(head):
        return ServerCommand(ServerKind.PYTHON, tuple(rest))
    return ServerCommand(ServerKind.OTHER, tuple(args))


def parse_server_command(argv: list[str] | tuple[str, ...]) -> ServerCommand | None:
    """Recognise a Python server in an argv; ``None`` for an empty command."""
    unwrapped = unwrap(argv)
    if unwrapped is None:
        return None
    return replace(_classify(unwrapped.argv), wrapped_by=unwrapped.wrapped_by,
                   exec_in_shell=unwrapped.exec_in_shell, argv=unwrapped.argv,
                   shell_script=unwrapped.shell_script, shell_env=unwrapped.env)


def parse_cmd_args(text: str, kind: str) -> dict[str, str]:
    """Options from ``GUNICORN_CMD_ARGS``-style strings for ``kind``."""
    tables = {ServerKind.GUNICORN: (_GUNICORN_OPTS, _GUNICORN_FLAGS),
              ServerKind.UVICORN: (_UVICORN_OPTS, _UVICORN_FLAGS)}
    if kind not in tables:
        return {}
    server = ServerKind(kind)
    parsed = _parse_options(server, split_shell(text), *tables[server])
    options = dict(parsed.options)
    options.pop("app", None)
    options.update(dict.fromkeys(parsed.flags, "true"))
    return options
