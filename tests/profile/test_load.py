"""The load generators against a real server in another process."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from podfit.profile.load import Target, run_builtin_closed, run_open, run_wrk
from podfit.profile.server import free_port
from tests.profile.conftest import needs_wrk

# A one-request-at-a-time server whose 30th request stalls for 1 s: what a GC pause or a
# blocked worker looks like from outside.
STALLING_SERVER = """
import sys, time
from http.server import BaseHTTPRequestHandler, HTTPServer
count = 0
class H(BaseHTTPRequestHandler):
    def do_GET(self):
        global count
        count += 1
        if count == int(sys.argv[2]):
            time.sleep(1.0)
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
class S(HTTPServer):
    request_queue_size = 512
S(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""


def _server(stall_at: int) -> Iterator[Target]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", STALLING_SERVER, str(port), str(stall_at)])
    target = Target("127.0.0.1", port, "/")
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield target
    finally:
        proc.kill()
        proc.wait()


@pytest.fixture
def stalling() -> Iterator[Target]:
    yield from _server(stall_at=30)


@pytest.fixture
def steady() -> Iterator[Target]:
    yield from _server(stall_at=-1)


def test_open_loop_counts_the_requests_a_stall_delays(stalling: Target) -> None:
    """Latency runs from each request's intended start: a 1 s stall at 50 rps delays ~50
    requests, so p90 shows it (a closed-loop client would record one slow request)."""
    result = run_open(stalling, rate=50, duration=2.0)
    assert result.errors == 0
    assert result.requests == 100
    assert result.p99_ms > 800
    assert result.p90_ms > 300
    assert result.p50_ms < 300


def test_closed_loop_hides_the_same_stall(stalling: Target) -> None:
    result = run_builtin_closed(stalling, connections=1, duration=2.0)
    assert result.errors == 0
    assert result.max_ms > 800
    assert result.p90_ms < 50  # the one slow request is 1 of hundreds


def test_open_loop_holds_its_rate_and_reports_its_cpu(steady: Target) -> None:
    result = run_open(steady, rate=200, duration=1.5)
    assert result.errors == 0
    assert result.requests == 300
    assert 180 < result.rps < 220
    assert 0 < result.generator_cpu_cores < 1.5
    assert result.target_rps == 200


@needs_wrk
def test_wrk_closed_loop(steady: Target) -> None:
    result = run_wrk(steady, connections=2, duration=1)
    assert (result.generator, result.mode, result.errors) == ("wrk", "closed", 0)
    assert result.requests > 50
    assert result.rps > 50
    assert 0 < result.p50_ms <= result.p90_ms <= result.p99_ms <= result.max_ms
    assert result.generator_cpu_cores > 0
