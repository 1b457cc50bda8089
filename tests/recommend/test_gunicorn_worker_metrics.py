"""The worker metrics `podfit recommend` reads, from a real gunicorn run with
``-c python:podfit.runtime.gunicorn_conf``: live workers and request slots, a busy slot while
a request runs, and a worker SIGKILLed inside a server that keeps running counted as an OOM
(gunicorn's ``child_exit`` gets no exit status: the conf tells a kill from an own exit)."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytest.importorskip("prometheus_client")
GUNICORN = Path(sys.executable).with_name("gunicorn")

APP = textwrap.dedent("""
    import os, signal, time

    def app(environ, start_response):
        path = environ["PATH_INFO"]
        if path == "/die":  # what the kernel OOM killer does to one worker
            os.kill(os.getpid(), signal.SIGKILL)
        if path == "/slow":  # busy until the test removes the gate file
            gate = environ["QUERY_STRING"]
            while os.path.exists(gate):
                time.sleep(0.02)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]
""")


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(port: int, path: str, timeout: float = 5.0) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        return conn.getresponse().read().decode()
    finally:
        conn.close()


def _gauges(port: int) -> dict[str, float]:
    values: dict[str, float] = {}
    for line in _get(port, "/metrics").splitlines():
        if line.startswith("podfit_"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


def _until(check: Callable[[], bool], timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, http.client.HTTPException, ValueError):
            if check():
                return True
        time.sleep(0.1)
    return False


@contextlib.contextmanager
def _gunicorn(tmp: Path, *extra: str) -> Iterator[tuple[int, int]]:
    (tmp / "slowapp.py").write_text(APP, encoding="utf-8")
    port, health = _port(), _port()
    prom = tmp / "prom"
    prom.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(prom), "PODFIT_HEALTH_PORT": str(health),
           "PODFIT_JSON_LOGS": "0", "PYTHONUNBUFFERED": "1"}
    with (tmp / "gunicorn.log").open("wb") as log:
        proc = subprocess.Popen(
            [str(GUNICORN), "-c", "python:podfit.runtime.gunicorn_conf", "-b",
             f"127.0.0.1:{port}", *(extra or ("-w", "2", "-k", "gthread", "--threads", "3")),
             "slowapp:app"],
            cwd=tmp, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        assert _until(lambda: _get(port, "/") == "ok"), (tmp / "gunicorn.log").read_text()
        yield port, health
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # its own session: only our children
            proc.wait(timeout=10)


def test_workers_slots_busy_and_a_killed_worker_from_real_gunicorn(tmp_path: Path) -> None:
    with _gunicorn(tmp_path) as (port, health):
        assert _until(lambda: _gauges(health).get("podfit_workers") == 2)
        gauges = _gauges(health)
        assert gauges["podfit_request_slots"] == 6  # 2 workers x 3 threads
        assert gauges["podfit_worker_memory_bytes"] > 10 * 2**20
        # the readiness request's slot is freed in post_request, which gunicorn may run just
        # after the client has its answer
        assert _until(lambda: _gauges(health).get("podfit_request_slots_busy", 0) == 0)

        gate = tmp_path / "gate"
        gate.write_text("", encoding="utf-8")
        slow = threading.Thread(target=_get, args=(port, f"/slow?{gate}", 60.0))
        slow.start()
        try:
            assert _until(lambda: _gauges(health).get("podfit_request_slots_busy") == 1)
        finally:
            gate.unlink()
            slow.join(60)
        assert _until(lambda: _gauges(health).get("podfit_request_slots_busy") == 0)

        with contextlib.suppress(OSError, http.client.HTTPException):
            _get(port, "/die")
        oom = 'podfit_worker_restarts_total{reason="oom"}'
        assert _until(lambda: _gauges(health).get(oom) == 1)
        # the arbiter respawns the worker: the container would keep running
        assert _until(lambda: _gauges(health).get("podfit_workers") == 2)
        assert _gauges(health).get('podfit_worker_restarts_total{reason="timeout"}', 0) == 0


def test_a_recycled_worker_is_counted_as_recycled_not_as_a_kill(tmp_path: Path) -> None:
    with _gunicorn(tmp_path, "-w", "1", "-k", "sync", "--max-requests", "3") as (port, health):
        for _ in range(6):  # the worker recycles after 3 requests; the arbiter forks another
            with contextlib.suppress(OSError, http.client.HTTPException):
                _get(port, "/")
        recycled = 'podfit_worker_restarts_total{reason="recycled"}'
        assert _until(lambda: _gauges(health).get(recycled, 0) >= 1)
        gauges = _gauges(health)
        assert gauges.get('podfit_worker_restarts_total{reason="oom"}', 0) == 0
        assert gauges["podfit_request_slots"] == 1  # a sync worker serves one request
