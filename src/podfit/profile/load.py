"""HTTP load from outside the app's cgroup: ``wrk`` for closed-loop capacity when installed,
and a built-in asyncio generator for closed-loop (fallback) and open-loop fixed-rate phases.

Open-loop latency is measured from each request's *intended* start time, so a stalled server
cannot slow the generator down and hide its own queueing (coordinated omission). Every phase
reports the generator's own CPU so a saturated generator is not mistaken for a saturated app.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

from podfit.profile.results import LoadResult

_WRK_SCRIPT = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('PODFIT {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,' ..
    '"write":%d,"status":%d,"timeout":%d,"p50":%d,"p90":%d,"p99":%d,"max":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


@dataclass(frozen=True)
class Target:
    """Where load goes: 127.0.0.1 unless the user says otherwise."""

    host: str
    port: int
    path: str = "/"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{self.path}"


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(q / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


def run_wrk(target: Target, connections: int, duration: float, timeout: float = 5.0,
            enter: Callable[[], None] | None = None) -> LoadResult:
    """Closed-loop load with wrk; its CPU is read from the kernel's accounting of the child."""
    threads = max(1, min(2, connections))
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_WRK_SCRIPT)
    try:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.monotonic()
        proc = subprocess.run(
            ["wrk", "-t", str(threads), "-c", str(max(connections, threads)),
             "-d", f"{max(1, round(duration))}s", "--timeout", f"{max(1, round(timeout))}s",
             "-s", script.name, target.url],
            capture_output=True, text=True, timeout=duration + timeout + 30, check=False,
            preexec_fn=enter)
        wall = time.monotonic() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    finally:
        os.unlink(script.name)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("PODFIT ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed: {proc.stderr.strip() or proc.stdout.strip()}")
    data = json.loads(line[len("PODFIT "):])
    seconds = data["duration_us"] / 1e6 or wall
    errors = sum(data[k] for k in ("connect", "read", "write", "status", "timeout"))
    cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / wall
    ok = max(0, data["requests"] - data["status"])
    return LoadResult(
        mode="closed", generator="wrk", duration_s=round(seconds, 3),
        requests=data["requests"], errors=errors, rps=ok / seconds, target_rps=None,
        p50_ms=data["p50"] / 1000, p90_ms=data["p90"] / 1000, p99_ms=data["p99"] / 1000,
        max_ms=data["max"] / 1000, connections=connections,
        generator_cpu_cores=round(cpu, 3), generator_saturated=cpu > 0.9 * threads)


class _Connection:
    """One HTTP/1.1 keep-alive connection (reopened when the server says ``close``)."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.request = (f"GET {target.path} HTTP/1.1\r\nHost: {target.host}:{target.port}\r\n"
                        "User-Agent: podfit\r\n\r\n").encode()

    async def get(self) -> int:
        """One request; a kept-alive connection the server closed meanwhile is reopened once
        (as HTTP clients do), so an idle-timeout race is not counted as an app error."""
        reused = self.writer is not None
        try:
            return await self._get()
        except (OSError, asyncio.IncompleteReadError, IndexError, ValueError):
            if not reused:
                raise
            self.close()
            return await self._get()

    async def _get(self) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.target.host,
                                                                     self.target.port)
        assert self.reader is not None
        self.writer.write(self.request)
        await self.writer.drain()
        version, status_text = (await self.reader.readline()).split(b" ", 2)[:2]
        status = int(status_text)
        length, chunked = -1, False
        close = version == b"HTTP/1.0"  # 1.0 closes unless the server says keep-alive
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value:
                chunked = True
            elif name == "connection":
                close = value != "keep-alive"
        if chunked:
            while size := int((await self.reader.readline()).split(b";")[0], 16):
                await self.reader.readexactly(size + 2)
            await self.reader.readline()
        elif length > 0:
            await self.reader.readexactly(length)
        elif length < 0:  # no length: the body runs to the end of the connection
            await self.reader.read()
            close = True
        if close:
            self.close()
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


class _Recorder:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors = 0

    async def one(self, conn: _Connection, start: float, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        try:
            status = await asyncio.wait_for(conn.get(), timeout)
        except (TimeoutError, OSError, ValueError, IndexError, asyncio.IncompleteReadError):
            conn.close()
            self.errors += 1
            self.latencies.append(loop.time() - start)
            return
        self.latencies.append(loop.time() - start)
        if status >= 400:
            self.errors += 1

    def result(self, mode: str, wall: float, cpu: float, connections: int,
               target_rps: float | None) -> LoadResult:
        values = sorted(self.latencies)
        ms = [_percentile(values, q) * 1000 for q in (50, 90, 99)]
        ok = len(values) - self.errors
        return LoadResult(
            mode=mode, generator="builtin", duration_s=round(wall, 3), requests=len(values),
            errors=self.errors, rps=ok / wall if wall else 0.0, target_rps=target_rps,
            p50_ms=ms[0], p90_ms=ms[1], p99_ms=ms[2],
            max_ms=(values[-1] * 1000 if values else 0.0), connections=connections,
            generator_cpu_cores=round(cpu, 3), generator_saturated=cpu > 0.9)


async def _closed(target: Target, connections: int, duration: float,
                  timeout: float) -> _Recorder:
    recorder = _Recorder()
    loop = asyncio.get_running_loop()
    end = loop.time() + duration

    async def client() -> None:
        conn = _Connection(target)
        while loop.time() < end:
            await recorder.one(conn, loop.time(), timeout)
        conn.close()

    await asyncio.gather(*(client() for _ in range(connections)))
    return recorder


async def _open(target: Target, rate: float, duration: float, max_connections: int,
                timeout: float) -> _Recorder:
    recorder = _Recorder()
    loop = asyncio.get_running_loop()
    idle: list[_Connection] = []
    slots = asyncio.Semaphore(max_connections)
    start = loop.time() + 0.01
    count = max(1, int(rate * duration))

    async def fire(intended: float) -> None:
        async with slots:  # waiting for a slot counts: latency runs from the intended time
            conn = idle.pop() if idle else _Connection(target)
            remaining = max(0.001, timeout - (loop.time() - intended))
            await recorder.one(conn, intended, remaining)
            idle.append(conn)

    tasks = []
    for i in range(count):
        intended = start + i / rate
        delay = intended - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.ensure_future(fire(intended)))
    await asyncio.gather(*tasks)
    for conn in idle:
        conn.close()
    return recorder


def run_builtin_closed(target: Target, connections: int, duration: float,
                       timeout: float = 5.0) -> LoadResult:
    """Closed-loop load from this process (used when wrk is not installed)."""
    cpu0, wall0 = time.process_time(), time.monotonic()
    recorder = asyncio.run(_closed(target, connections, duration, timeout))
    wall = time.monotonic() - wall0
    return recorder.result("closed", wall, (time.process_time() - cpu0) / wall, connections,
                           None)


def run_open(target: Target, rate: float, duration: float, max_connections: int = 256,
             timeout: float = 5.0) -> LoadResult:
    """Requests at a fixed ``rate`` whatever the server does; latency from intended start."""
    cpu0, wall0 = time.process_time(), time.monotonic()
    recorder = asyncio.run(_open(target, rate, duration, max_connections, timeout))
    wall = time.monotonic() - wall0
    result = recorder.result("open", wall, (time.process_time() - cpu0) / wall,
                             max_connections, rate)
    # The schedule spans ``duration``; the tail after it is the last requests' latency.
    return replace(result, rps=(result.requests - result.errors) / max(duration, wall
                                                                         - result.p50_ms / 1000))


class LoadDriver:
    """Runs every load phase from outside the app's cgroup: wrk as a child, the built-in
    generator in one helper process; both enter ``enter``'s cgroup (a high-priority one, so a
    busy host delays neither the schedule of open-loop requests nor their timing)."""

    def __init__(self, use_wrk: bool | None = None,
                 enter: Callable[[], None] | None = None) -> None:
        self.use_wrk = wrk_available() if use_wrk is None else use_wrk
        self.enter = enter
        self._helper: subprocess.Popen[str] | None = None

    def _call(self, request: dict[str, Any]) -> LoadResult:
        if self._helper is None or self._helper.poll() is not None:
            self._helper = subprocess.Popen(
                [sys.executable, "-c", "from podfit.profile.load import serve; serve()"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, preexec_fn=self.enter)  # noqa: PLW1509
        assert self._helper.stdin is not None
        assert self._helper.stdout is not None
        self._helper.stdin.write(json.dumps(request) + "\n")
        self._helper.stdin.flush()
        line = self._helper.stdout.readline()
        if not line:
            raise RuntimeError("the load generator helper exited")
        return LoadResult(**json.loads(line))

    def closed(self, target: Target, connections: int, duration: float) -> LoadResult:
        if self.use_wrk:
            return run_wrk(target, connections, duration, enter=self.enter)
        return self._call({"mode": "closed", "target": asdict(target),
                           "connections": connections, "duration": duration})

    def open(self, target: Target, rate: float, duration: float) -> LoadResult:
        return self._call({"mode": "open", "target": asdict(target), "rate": rate,
                           "duration": duration})

    def close(self) -> None:
        if self._helper is not None:
            if self._helper.stdin is not None:
                with contextlib.suppress(OSError):
                    self._helper.stdin.close()
            try:
                self._helper.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._helper.kill()
                self._helper.wait()
            self._helper = None


def serve() -> None:
    """Helper process: one JSON request per line in, one LoadResult per line out."""
    for line in sys.stdin:
        request = json.loads(line)
        target = Target(**request["target"])
        if request["mode"] == "closed":
            result = run_builtin_closed(target, request["connections"], request["duration"])
        else:
            result = run_open(target, request["rate"], request["duration"])
        sys.stdout.write(json.dumps(asdict(result)) + "\n")
        sys.stdout.flush()

