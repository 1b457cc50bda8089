"""What profile can control in the user's server command, and how it rewrites it per run.

* gunicorn (``gunicorn …`` or ``python -m gunicorn …``): ``--workers``, ``--threads``,
  ``--worker-class`` (sync ↔ gthread; an explicit other class such as
  ``uvicorn.workers.UvicornWorker`` is kept) and ``--bind``; flags on the command line win over
  ``gunicorn.conf.py`` and ``GUNICORN_CMD_ARGS``, so existing ones are replaced.
* uvicorn (``uvicorn …`` or ``python -m uvicorn …``): ``--workers``, ``--host``, ``--port``.
* anything else: one configuration; ``{port}`` in the command is replaced by the port, and
  ``PORT`` / ``WEB_CONCURRENCY`` are set in the environment.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass

_GUNICORN_VALUED = {"-w": "workers", "--workers": "workers", "--threads": "threads",
                    "-k": "worker_class", "--worker-class": "worker_class",
                    "-b": "bind", "--bind": "bind"}
_UVICORN_VALUED = {"--workers": "workers", "--host": "host", "--port": "port",
                   "--uds": "uds", "--fd": "fd"}
_THREADED_CLASSES = {"sync", "gthread"}


@dataclass(frozen=True)
class ServerCommand:
    """The user's command, parsed into what profile may change and what it keeps."""

    kind: str  # "gunicorn", "uvicorn" or "generic"
    kept: tuple[str, ...]  # argv without the flags profile sets
    values: tuple[tuple[str, str], ...]  # the user's own values of those flags
    preload: bool

    @property
    def user_worker_class(self) -> str | None:
        return dict(self.values).get("worker_class")

    @property
    def sweeps_workers(self) -> bool:
        return self.kind in ("gunicorn", "uvicorn")

    @property
    def sweeps_threads(self) -> bool:
        """Threads apply to gunicorn's sync/gthread workers only (async workers have none)."""
        return self.kind == "gunicorn" and (self.user_worker_class or "sync") in \
            _THREADED_CLASSES

    def worker_class(self, threads: int) -> str:
        if self.kind == "uvicorn":
            return "uvicorn"
        if self.kind == "generic":
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
        if self.kind == "gunicorn":
            argv += ["--workers", str(workers), "--bind", f"{host}:{port}"]
            klass = self.worker_class(threads)
            argv += ["--worker-class", klass]
            if klass == "gthread":
                argv += ["--threads", str(threads)]
        elif self.kind == "uvicorn":
            argv += ["--workers", str(workers), "--host", host, "--port", str(port)]
        else:
            argv = [a.replace("{port}", str(port)) for a in argv]
        return argv, env


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


def _runs(argv: list[str], name: str) -> bool:
    if not argv:
        return False
    if os.path.basename(argv[0]) == name:
        return True
    return "-m" in argv[:3] and name in argv[:4] and argv[argv.index("-m") + 1] == name


def parse_command(argv: list[str]) -> ServerCommand:
    """Recognize gunicorn and uvicorn; anything else is run as is."""
    if _runs(argv, "gunicorn"):
        kept, values = _strip(argv, _GUNICORN_VALUED)
        return ServerCommand("gunicorn", tuple(kept), tuple(values.items()),
                             preload="--preload" in argv or "--preload-app" in argv)
    if _runs(argv, "uvicorn"):
        kept, values = _strip(argv, _UVICORN_VALUED)
        return ServerCommand("uvicorn", tuple(kept), tuple(values.items()), preload=False)
    return ServerCommand("generic", tuple(argv), (), preload=False)


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (the server binds it a moment later)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port
