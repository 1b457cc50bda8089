"""Startup, liveness and readiness: one lifecycle state shared by every process of a server.

The state lives in an anonymous shared memory page created before the server forks, so the
gunicorn master (which receives SIGTERM) and its workers (which answer ``/readyz`` on the app
port) agree. Liveness never runs checks; readiness runs user checks with a timeout.
"""

from __future__ import annotations

import enum
import json
import mmap
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

LIVEZ, READYZ, STARTUPZ, METRICS = "/livez", "/readyz", "/startupz", "/metrics"
PROBE_PATHS = frozenset({LIVEZ, READYZ, STARTUPZ})
HEALTH_PORT_ENV = "PODFIT_HEALTH_PORT"


class State(enum.IntEnum):
    """Where the server is in its life."""

    STARTING = 0
    READY = 1
    DRAINING = 2


@dataclass(frozen=True)
class Check:
    """A readiness check: returns truthy when the dependency is usable."""

    name: str
    func: Callable[[], object]
    timeout: float = 1.0


class Health:
    """The lifecycle state plus readiness checks. Create it before forking workers."""

    def __init__(self) -> None:
        self._page = mmap.mmap(-1, 1)  # MAP_SHARED|MAP_ANONYMOUS: survives fork, shared
        self._checks: list[Check] = []

    @property
    def state(self) -> State:
        return State(self._page[0])

    def set_state(self, state: State) -> None:
        self._page[0] = int(state)

    def mark_ready(self) -> None:
        """STARTING -> READY (never undoes DRAINING)."""
        if self.state is State.STARTING:
            self.set_state(State.READY)

    def add_check(self, name: str, func: Callable[[], object], timeout: float = 1.0) -> None:
        """Register a readiness check; a failure, exception or timeout makes /readyz 503."""
        self._checks.append(Check(name, func, timeout))

    def run_checks(self) -> dict[str, str]:
        """Run every readiness check concurrently, each bounded by its timeout."""
        results: dict[str, str] = {}
        threads = []
        for check in self._checks:
            def target(c: Check = check) -> None:
                try:
                    results[c.name] = "ok" if c.func() else "failed"
                except Exception as exc:  # a check may raise anything; report, don't crash
                    results[c.name] = f"error: {type(exc).__name__}"
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            threads.append((check, thread))
        deadline = time.monotonic() + max((c.timeout for c in self._checks), default=0)
        for check, thread in threads:
            thread.join(max(0.0, min(check.timeout, deadline - time.monotonic())))
            results.setdefault(check.name, "timeout")
        return dict(results)

    def respond(self, path: str) -> tuple[int, bytes] | None:
        """Answer a probe path: ``(status, JSON body)``, or ``None`` if not a probe."""
        if path not in PROBE_PATHS:
            return None
        state = self.state
        body: dict[str, object] = {"state": state.name}
        if path == LIVEZ:
            status = 200
        elif path == STARTUPZ:
            status = 200 if state is not State.STARTING else 503
        else:
            status = 200 if state is State.READY else 503
            if status == 200 and self._checks:
                checks = self.run_checks()
                body["checks"] = checks
                status = 200 if all(v == "ok" for v in checks.values()) else 503
        body["status"] = "ok" if status == 200 else "unavailable"
        return status, json.dumps(body).encode()


_default: Health | None = None


def get_health() -> Health:
    """The process's health object (created on first use; forked children share it)."""
    global _default  # noqa: PLW0603  # one lifecycle per process tree, created before fork
    if _default is None:
        _default = Health()
    return _default


def add_readiness_check(name: str, func: Callable[[], object], timeout: float = 1.0) -> None:
    """Register a readiness check on the default :class:`Health`."""
    get_health().add_check(name, func, timeout)


def health_port(environ: dict[str, str] | None = None) -> int | None:
    """``PODFIT_HEALTH_PORT`` as a port number, or ``None`` when unset."""
    value = (os.environ if environ is None else environ).get(HEALTH_PORT_ENV, "")
    return int(value) if value.strip() else None


class HealthServer:
    """A dedicated listener for probes and metrics, on its own thread and port, so probes
    never queue behind user requests in a saturated worker pool."""

    def __init__(self, port: int, host: str = "0.0.0.0", health: Health | None = None,
                 metrics: Callable[[], tuple[bytes, str] | None] | None = None) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        probes = health or get_health()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                answer = probes.respond(path)
                ctype = "application/json"
                rendered = metrics() if answer is None and path == METRICS and metrics else None
                if rendered is not None:
                    answer, ctype = (200, rendered[0]), rendered[1]
                status, body = answer or (404, b'{"status":"not found"}')
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                """Probes are not access-logged: they would drown the real traffic."""

        class Server(ThreadingHTTPServer):
            allow_reuse_address = True  # a restarted container rebinds at once
            daemon_threads = True

        self.server = Server((host, port), Handler)
        self.port: int = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever,
                                        name="podfit-health", daemon=True)

    def start(self) -> HealthServer:
        self._thread.start()
        return self

    def close_in_child(self) -> None:
        """In a forked child: drop the inherited listening socket (no thread runs there)."""
        self.server.socket.close()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
