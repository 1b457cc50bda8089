"""What profile can control in the user's server command, and how it rewrites it per run.

The command is read through :mod:`podfit.core.servers` (the parser check uses too), so
``uv run``, ``poetry run``, ``python -m``, ``tini --``, ``exec`` and ``sh -c "… gunicorn …"``
are seen through and put back around the rewritten server command.

* gunicorn: ``--workers``, ``--threads``, ``--worker-class`` (sync ↔ gthread; an explicit other
  class such as ``uvicorn.workers.UvicornWorker`` is kept) and ``--bind``; flags on the command
  line win over ``gunicorn.conf.py`` and ``GUNICORN_CMD_ARGS``, so existing ones are replaced.
* uvicorn: ``--workers``, ``--host``, ``--port``.
* anything else: one configuration; ``{port}`` in the command is replaced by the port, and
  ``PORT`` / ``WEB_CONCURRENCY`` are set in the environment.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass

from podfit.core.servers import ServerKind, Unwrapped, parse_server_command, unwrap

_GUNICORN_VALUED = {"-w": "workers", "--workers": "workers", "--threads": "threads",
                    "-k": "worker_class", "--worker-class": "worker_class",
                    "-b": "bind", "--bind": "bind"}
_UVICORN_VALUED = {"--workers": "workers", "--host": "host", "--port": "port",
                   "--uds": "uds", "--fd": "fd"}
_THREADED_CLASSES = {"sync", "gthread"}


@dataclass(frozen=True)
class ServerCommand:
    """The user's command, parsed into what profile may change and what it keeps."""

    kind: ServerKind
    kept: tuple[str, ...]  # the server's argv without the flags profile sets
    values: tuple[tuple[str, str], ...]  # the user's own values of those flags
    preload: bool
    #: the wrappers around the server (``uv run``, ``sh -c``…); ``None``: run ``kept`` as is
    wrapping: Unwrapped | None = None

    @property
    def user_worker_class(self) -> str | None:
        return dict(self.values).get("worker_class")

    @property
    def sweeps_workers(self) -> bool:
        return self.kind in (ServerKind.GUNICORN, ServerKind.UVICORN)

    @property
    def sweeps_threads(self) -> bool:
        """Threads apply to gunicorn's sync/gthread workers only (async workers have none)."""
        return self.kind == ServerKind.GUNICORN and (self.user_worker_class or "sync") in \
            _THREADED_CLASSES

    def worker_class(self, threads: int) -> str:
        if self.kind == ServerKind.UVICORN:
            return "uvicorn"
        if self.kind != ServerKind.GUNICORN:
            return "unknown"
        declared = self.user_worker_class or "sync"
        if declared in _THREADED_CLASSES:
            return "gthread" if threads > 1 else "sync"
        return declared

    def build(self, workers: int, threads: int, host: str, port: int) -> tuple[list[str],
                                                                             dict[str, str]]:
        """argv and extra environment for one run."""
        env = {"WEB_CONCURRENCY": str(workers), "PORT": str(port)}
        argv = list(self.kept)
        if self.kind == ServerKind.GUNICORN:
            argv += ["--workers", str(workers), "--bind", f"{host}:{port}"]
            klass = self.worker_class(threads)
            argv += ["--worker-class", klass]
            if klass == "gthread":
                argv += ["--threads", str(threads)]
        elif self.kind == ServerKind.UVICORN:
            argv += ["--workers", str(workers), "--host", host, "--port", str(port)]
        else:
            return [a.replace("{port}", str(port)) for a in argv], env
        return (self.wrapping.rewrap(argv) if self.wrapping else argv), env


def _strip(argv: list[str], valued: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    kept: list[str] = []
    values: dict[str, str] = {}
    i = 0
    while i < len(argv):
        arg = argv[i]
        name, eq, inline = arg.partition("=")
        if name in valued and name.startswith("--"):
            if eq:
                values[valued[name]] = inline
                i += 1
            else:
                values[valued[name]] = argv[i + 1] if i + 1 < len(argv) else ""
                i += 2
            continue
        short = arg[:2]
        if short in valued and not arg.startswith("--"):
            if len(arg) > 2:
                values[valued[short]] = arg[2:].lstrip("=")
                i += 1
            else:
                values[valued[short]] = argv[i + 1] if i + 1 < len(argv) else ""
                i += 2
            continue
        kept.append(arg)
        i += 1
    return kept, values


_VALUED = {ServerKind.GUNICORN: _GUNICORN_VALUED, ServerKind.UVICORN: _UVICORN_VALUED}


def parse_command(argv: list[str]) -> ServerCommand:
    """Recognize gunicorn and uvicorn, behind any wrappers; anything else is run as is."""
    parsed = parse_server_command(argv)
    wrapping = unwrap(argv)
    if parsed is None or wrapping is None or parsed.kind not in _VALUED:
        kind = parsed.kind if parsed else ServerKind.OTHER
        return ServerCommand(kind, tuple(argv), (), preload=False)
    kept, values = _strip(list(wrapping.argv), _VALUED[parsed.kind])
    preload = parsed.kind == ServerKind.GUNICORN and (
        "preload" in parsed.flags or "--preload-app" in wrapping.argv)
    return ServerCommand(parsed.kind, tuple(kept), tuple(values.items()), preload=preload,
                         wrapping=wrapping)


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (the server binds it a moment later)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port
