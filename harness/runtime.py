"""Helpers for the runtime tests and bench/bench_runtime.py: real cgroup v1 groups, real
servers, a bounded load client."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APPS = ROOT / "tests" / "runtime" / "apps"  # the small apps the runtime tests serve
VENV_BIN = Path(sys.executable).parent
CGROUP_ROOT = Path("/sys/fs/cgroup")




def own_cgroup(controller: str) -> Path | None:
    """This process's v1 group directory for ``controller`` (None when not mounted/writable)."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, ctrls, path = line.split(":", 2)
        if controller in ctrls.split(","):
            base = CGROUP_ROOT / controller
            directory = base / path.lstrip("/")
            if (base / "cgroup.procs").exists() and os.access(directory, os.W_OK):
                return directory
    return None


def cgroups_usable() -> str | None:
    """Why real v1 cgroup tests cannot run here, or None when they can."""
    if os.geteuid() != 0:
        return "needs root to create cgroups"
    for ctrl in ("cpu", "memory"):
        if own_cgroup(ctrl) is None:
            return f"no writable cgroup v1 '{ctrl}' hierarchy at /sys/fs/cgroup/{ctrl}"
    return None


@dataclass
class Groups:
    """A parent/child pair of v1 groups in the cpu and memory hierarchies."""

    dirs: dict[str, list[Path]] = field(default_factory=dict)

    def leaf(self, ctrl: str) -> Path:
        return self.dirs[ctrl][-1]

    def parent(self, ctrl: str) -> Path:
        return self.dirs[ctrl][0]

    def wrap(self, argv: list[str]) -> list[str]:
        """``argv`` run by a shell that first moves itself into both leaves, then execs."""
        moves = "; ".join(f"echo $$ > {self.leaf(ctrl) / 'cgroup.procs'}" for ctrl in self.dirs)
        return ["/bin/sh", "-c", f'{moves}; exec "$@"', "sh", *argv]


@contextlib.contextmanager
def cgroup_pair() -> Iterator[Groups]:
    """Create ``podfit-test-X/child`` in the cpu and memory hierarchies; remove them after,
    moving any straggler back to our own group first."""
    name = f"podfit-test-{uuid.uuid4().hex[:8]}"
    groups = Groups()
    try:
        for ctrl in ("cpu", "memory"):
            base = own_cgroup(ctrl)
            assert base is not None
            parent = base / name
            child = parent / "child"
            parent.mkdir()
            groups.dirs[ctrl] = [parent]
            child.mkdir()
            groups.dirs[ctrl].append(child)
        yield groups
    finally:
        for ctrl, dirs in groups.dirs.items():
            home = own_cgroup(ctrl)
            for directory in reversed(dirs):
                for pid in (directory / "cgroup.procs").read_text().split():
                    with contextlib.suppress(OSError):
                        os.kill(int(pid), signal.SIGKILL)
                deadline = time.monotonic() + 5
                while True:
                    try:
                        directory.rmdir()
                        break
                    except OSError:
                        if time.monotonic() > deadline:
                            raise
                        time.sleep(0.05)
            assert home is not None


def get(port: int, path: str, timeout: float = 5.0) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def post(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", path, body=b"x")
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def wait_http(port: int, path: str = "/livez", timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, http.client.HTTPException):
            if get(port, path, timeout=1.0)[0] == 200:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing answered 200 on 127.0.0.1:{port}{path}")


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int
    health_port: int | None
    log_path: Path

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextlib.contextmanager
def serve(args: list[str], env_extra: dict[str, str], log_path: Path, port: int, *,
          health_port: int | None = None, ready_path: str = "/work?ms=0") -> Iterator[Server]:
    """Start a server in ``APPS``, wait until it answers, and always stop it (by PID)."""
    # metrics files go next to the log (pytest's tmp dir), never to /dev/shm: a server this
    # helper SIGKILLs cannot remove a directory it created itself
    metrics_dir = log_path.with_suffix(".prom")
    metrics_dir.mkdir(exist_ok=True)
    env = {**os.environ, "PYTHONUNBUFFERED": "1",
           "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), **env_extra}
    with log_path.open("wb") as out:
        proc = subprocess.Popen(args, cwd=APPS, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    server = Server(proc, port, health_port, log_path)
    try:
        wait_http(port, ready_path)
        yield server
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # its own session: only our children
        proc.wait(timeout=10)


def gunicorn_cmd(port: int, *extra: str, podfit: bool = True) -> list[str]:
    cmd = [str(VENV_BIN / "gunicorn"), "-b", f"127.0.0.1:{port}"]
    if podfit:
        cmd += ["-c", "python:podfit.runtime.gunicorn_conf"]
    return [*cmd, *extra]


def uvicorn_cmd(port: int, app: str = "asgi_app:app", podfit: bool = True) -> list[str]:
    if podfit:
        return [sys.executable, "-m", "podfit.runtime.uvicorn", app, "--host", "127.0.0.1",
                "--port", str(port)]
    return [str(VENV_BIN / "uvicorn"), app, "--host", "127.0.0.1", "--port", str(port)]


@dataclass
class LoadResult:
    ok: int = 0
    non_2xx: int = 0
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    saw_503_at: float | None = None
    stopped_at: float | None = None

    @property
    def lost(self) -> int:
        return self.non_2xx + self.errors


class LoadClient:
    """Keep-alive clients hammering ``path``; new traffic stops ``propagation`` seconds after
    the endpoint is withdrawn — when ``/readyz`` first answers 503 (``watch_readiness``) or
    at SIGTERM (:meth:`withdraw`, for servers with no readiness endpoint). That models
    kube-proxy/ingress needing time to stop routing to a terminating pod."""

    def __init__(self, port: int, *, path: str = "/work?ms=20", concurrency: int = 8,
                 propagation: float = 0.5, max_seconds: float = 30.0,
                 readiness_port: int | None = None) -> None:
        self.port, self.path, self.concurrency = port, path, concurrency
        self.propagation, self.max_seconds = propagation, max_seconds
        self.readiness_port = readiness_port
        self.result = LoadResult()
        self._lock = threading.Lock()
        self._stop_at: float | None = None
        self._threads: list[threading.Thread] = []

    def withdraw(self) -> None:
        with self._lock:
            if self._stop_at is None:
                self._stop_at = time.monotonic() + self.propagation
                self.result.stopped_at = self._stop_at

    def _stopping(self) -> bool:
        return self._stop_at is not None and time.monotonic() >= self._stop_at

    def _count(self, kind: str) -> None:
        with self._lock:
            self.result.error_kinds[kind] = self.result.error_kinds.get(kind, 0) + 1
            self.result.errors += 1

    def _worker(self, deadline: float) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        while time.monotonic() < deadline and not self._stopping():
            try:
                conn.request("GET", self.path)
                resp = conn.getresponse()
                resp.read()
                with self._lock:
                    if 200 <= resp.status < 300:
                        self.result.ok += 1
                    else:
                        self.result.non_2xx += 1
                        key = f"HTTP {resp.status}"
                        self.result.error_kinds[key] = self.result.error_kinds.get(key, 0) + 1
                if resp.will_close:
                    conn.close()
            except (OSError, http.client.HTTPException) as exc:
                self._count(type(exc).__name__)
                conn.close()
                time.sleep(0.01)
        conn.close()

    def _watch(self, deadline: float) -> None:
        assert self.readiness_port is not None
        while time.monotonic() < deadline and self._stop_at is None:
            try:
                status, _ = get(self.readiness_port, "/readyz", timeout=2)
            except (OSError, http.client.HTTPException):
                status = 0
            if status == 503:
                self.result.saw_503_at = time.monotonic()
                self.withdraw()
            time.sleep(0.02)

    def start(self) -> LoadClient:
        deadline = time.monotonic() + self.max_seconds
        targets = [self._worker] * self.concurrency
        if self.readiness_port is not None:
            targets.append(self._watch)
        for target in targets:
            thread = threading.Thread(target=target, args=(deadline,), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def join(self) -> LoadResult:
        for thread in self._threads:
            thread.join(self.max_seconds + 15)
        return self.result


def eventually(check: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Poll ``check`` until true or ``timeout``; for effects that land just after a response
    (a WSGI body is closed, and its metrics recorded, after the client has read it)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True
