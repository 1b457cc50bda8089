"""What a container's command starts: gunicorn, uvicorn, Celery, a dev server… and with what.

Commands come from Kubernetes ``command``/``args``, a Dockerfile's ENTRYPOINT/CMD, a Procfile
or a ``sh -c`` string; ``exec``, ``python -m``, ``uv run``, ``tini --`` and similar wrappers
are seen through. Values stay as written (``$(nproc)``) so rules can judge formulas.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

#: Wrappers that run the real command after their own options.
_WRAPPERS = {"exec", "tini", "dumb-init", "ddtrace-run", "opentelemetry-instrument", "nice",
             "chpst", "gosu", "su-exec", "setpriv", "catatonit", "env"}
_RUNNERS = {("uv", "run"), ("poetry", "run"), ("pipenv", "run"), ("pdm", "run"),
            ("hatch", "run"), ("rye", "run"), ("newrelic-admin", "run-program")}
_NODE_CPUS = re.compile(r"\bnproc\b|cpu_count|process_cpu_count|getconf\s+_NPROCESSORS")


@dataclass(frozen=True)
class ServerCommand:
    """A parsed server invocation. ``options`` maps a canonical option name to its raw value."""

    #: gunicorn, uvicorn, celery, hypercorn, flask-run, runserver, fastapi-dev, fastapi-run,
    #: python or other
    kind: str
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
        return (self.kind in {"flask-run", "runserver", "fastapi-dev"}
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


def _join_substitutions(text: str) -> str:
    """Keep ``$(nproc)`` and ``$((2 * $(nproc) + 1))`` one word: spaces inside a command or
    arithmetic substitution become NUL (restored after splitting)."""
    out: list[str] = []
    depth = 0
    i = 0
    while i < len(text):
        if text.startswith("$(", i):
            depth += 1
            out.append("$(")
            i += 2
            continue
        char = text[i]
        if depth and char == "(":
            depth += 1
        elif depth and char == ")":
            depth -= 1
        out.append("\0" if depth and char == " " else char)
        i += 1
    return "".join(out)


def split_shell(text: str) -> list[str]:
    joined = _join_substitutions(text)
    try:
        words = shlex.split(joined, comments=True)
    except ValueError:
        words = joined.split()
    return [w.replace("\0", " ") for w in words]


_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def _take_assignments(words: list[str], env: dict[str, str]) -> list[str]:
    """Move leading ``NAME=value`` words (and ``export NAME=value``) into ``env``."""
    if words and words[0] == "export":
        words = words[1:]
    while words and _ASSIGNMENT.match(words[0]):
        name, _, value = words[0].partition("=")
        env[name] = value
        words = words[1:]
    return words


_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def expand_vars(text: str, env: dict[str, str]) -> str:
    """Expand ``$A``, ``${A}`` and ``${A:-default}`` from ``env`` the way a shell would;
    references that cannot be resolved stay as written."""
    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(3)
        if env.get(name):
            return env[name]
        if match.group(2) is not None:  # ${A:-$B}: the default is expanded too
            return _REFERENCE.sub(lambda m: env.get(m.group(1) or m.group(3)) or m.group(0),
                                  match.group(2))
        return match.group(0)

    return _REFERENCE.sub(replace, text)


def assignments(command: str, env: dict[str, str]) -> dict[str, str]:
    """Variables a shell command line sets for what follows (``export A=1``, ``A=1``), with
    ``${A:-4}`` and ``$A`` expanded from ``env`` where possible."""
    found: dict[str, str] = {}
    if _take_assignments(split_shell(command), found):
        return {}  # a command with a prefix assignment: it sets nothing for later lines
    return {name: expand_vars(value, env) for name, value in found.items()}


def _last_shell_command(script: str, env: dict[str, str]) -> tuple[list[str], bool]:
    """The last simple command of a ``sh -c`` script, and whether it is ``exec``'d; variables
    the script assigns on the way are added to ``env``."""
    parts = [p.strip() for p in re.split(r"&&|\|\||;|\n", script) if p.strip()]
    if not parts:
        return [], True
    argv: list[str] = []
    for part in parts:
        argv = _take_assignments(split_shell(part), env)
    return argv, bool(argv and argv[0] == "exec")


def _parse_options(kind: str, argv: list[str], opts: dict[str, str],
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
        options.setdefault("app", positional[-1] if kind != "celery" else options.get("app", ""))
    return ServerCommand(kind, tuple(argv), options, frozenset(flags))


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
        rest = _take_assignments(rest, env)
    elif head in {"gosu", "su-exec"} and rest:
        rest = rest[1:]
    return rest


def _unwrap(argv: list[str], env: dict[str, str]) -> tuple[list[str], list[str], bool, str] | None:
    """Strip shells, ``exec``, init wrappers and ``uv run``-style runners off ``argv``."""
    args = [a for a in argv if a is not None]
    wrapped: list[str] = []
    exec_in_shell = True
    script = ""
    for _ in range(8):  # wrappers nest a few levels at most
        if not args:
            return None
        head = args[0].rsplit("/", 1)[-1]
        if head in {"sh", "bash", "ash", "dash", "zsh"}:
            flag = next((i for i, a in enumerate(args[1:], 1) if _SHELL_C.fullmatch(a)), None)
            if flag is None:
                return args, wrapped, exec_in_shell, script
            position = flag + 1
            script = args[position] if position < len(args) else ""
            args, exec_in_shell = _last_shell_command(script, env)
            wrapped.append(f"{head} -c")
        elif head in _WRAPPERS:
            wrapped.append(head)
            args = _strip_wrapper(head, args[1:], env)
        elif len(args) >= 2 and (head, args[1]) in _RUNNERS:
            wrapped.append(f"{head} {args[1]}")
            args = args[2:]
        elif re.fullmatch(r"python[0-9.]*", head) and len(args) >= 3 and args[1] == "-m":
            wrapped.append("python -m")
            args = args[2:]
        else:
            return args, wrapped, exec_in_shell, script
    return None


def _classify(args: list[str]) -> ServerCommand:
    head = args[0].rsplit("/", 1)[-1]
    rest = args[1:]
    if head == "gunicorn":
        return _parse_options("gunicorn", rest, _GUNICORN_OPTS, _GUNICORN_FLAGS)
    if head == "uvicorn":
        return _parse_options("uvicorn", rest, _UVICORN_OPTS, _UVICORN_FLAGS)
    if head == "hypercorn":
        return _parse_options("hypercorn", rest, _HYPERCORN_OPTS, {"--reload": "reload"})
    if head == "celery":
        result = _parse_options("celery", rest, _CELERY_OPTS, {})
        sub = next((a for a in rest if a in {"worker", "beat", "flower", "multi"}), "")
        return _replace(result, subcommand=sub)
    if head == "flask" and "run" in rest:
        return ServerCommand("flask-run", tuple(rest))
    if head == "fastapi" and rest and rest[0] in {"dev", "run"}:
        parsed = _parse_options("uvicorn", rest[1:], _UVICORN_OPTS, _UVICORN_FLAGS)
        return _replace(parsed, kind=f"fastapi-{rest[0]}", subcommand=rest[0])
    runs_manage = head in {"django-admin", "manage.py"} or any(
        a.endswith("manage.py") for a in rest)
    if runs_manage and "runserver" in args:
        return ServerCommand("runserver", tuple(rest))
    if re.fullmatch(r"python[0-9.]*", head):
        return ServerCommand("python", tuple(rest))
    return ServerCommand("other", tuple(args))


def parse_server_command(argv: list[str] | tuple[str, ...]) -> ServerCommand | None:
    """Recognise a Python server in an argv; ``None`` for an empty command."""
    env: dict[str, str] = {}
    unwrapped = _unwrap(list(argv), env)
    if unwrapped is None:
        return None
    args, wrapped, exec_in_shell, script = unwrapped
    return _replace(_classify(args), wrapped_by=tuple(wrapped), exec_in_shell=exec_in_shell,
                    argv=tuple(args), shell_script=script, shell_env=env)


def _replace(cmd: ServerCommand, **changes: object) -> ServerCommand:
    from dataclasses import replace

    return replace(cmd, **changes)  # type: ignore[arg-type]


def parse_cmd_args(text: str, kind: str) -> dict[str, str]:
    """Options from ``GUNICORN_CMD_ARGS``-style strings for ``kind``."""
    table = {"gunicorn": (_GUNICORN_OPTS, _GUNICORN_FLAGS),
             "uvicorn": (_UVICORN_OPTS, _UVICORN_FLAGS)}.get(kind)
    if table is None:
        return {}
    parsed = _parse_options(kind, split_shell(text), table[0], table[1])
    options = dict(parsed.options)
    options.pop("app", None)
    options.update(dict.fromkeys(parsed.flags, "true"))
    return options
