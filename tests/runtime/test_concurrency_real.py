"""The default concurrency (issue 13) as real gunicorn applies it in a real 1-CPU cgroup, per
app kind: what it decides (class, workers, threads, which rule chose them) and, for an
I/O-bound handler, that requests really overlap."""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.net import free_port
from harness.runtime import (
    VENV_BIN,
    cgroup_pair,
    cgroups_usable,
    eventually,
    get,
    serve,
)
from podfit.runtime.policy import DEFAULT_REQUEST_THREADS

pytestmark = [pytest.mark.real,
              pytest.mark.skipif(cgroups_usable() is not None, reason=str(cgroups_usable()))]

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CONF = "python:podfit.runtime.gunicorn_conf"
MEASURED = ("WEB_CONCURRENCY", "PODFIT_WORKERS", "PODFIT_THREADS", "PODFIT_CPU_LIMIT")


def _children(pid: int) -> set[int]:
    return {int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}


def _messages(log: Path) -> list[str]:
    out = []
    for line in log.read_text(errors="replace").splitlines():
        with contextlib.suppress(ValueError, TypeError):
            out.append(str(json.loads(line)["message"]))
    return out


@contextlib.contextmanager
def gunicorn(tmp_path: Path, app: str, *args: str, cpu: float = 1.0,
             env: dict[str, str] | None = None, conf: str = CONF) -> Iterator[tuple[int, int,
                                                                                    Path]]:
    """Real gunicorn under a real cgroup with ``cpu`` cores and 512Mi; (master pid, port,
    log). The test runner's own overrides are removed so the defaults apply."""
    saved = {k: os.environ.pop(k) for k in MEASURED if k in os.environ}
    port = free_port()
    log = tmp_path / "gunicorn.log"
    try:
        with cgroup_pair() as groups:
            (groups.leaf("cpu") / "cpu.cfs_quota_us").write_text(str(round(cpu * 100_000)))
            (groups.leaf("memory") / "memory.limit_in_bytes").write_text(str(512 * 2**20))
            argv = groups.wrap([str(VENV_BIN / "gunicorn"), "-b", f"127.0.0.1:{port}", "-c",
                                conf, *args, app])
            with serve(argv, {"PODFIT_METRICS": "0", **(env or {})}, log, port,
                       ready_path="/livez") as srv:
                yield srv.proc.pid, port, log
    finally:
        os.environ.update(saved)


def _concurrency_line(log: Path) -> str:
    assert eventually(lambda: any(m.startswith("podfit: ") and "worker(s)" in m
                                  for m in _messages(log))), log.read_text()
    return next(m for m in _messages(log) if m.startswith("podfit: ") and "worker(s)" in m)


def test_io_bound_app_gets_threads_and_its_requests_overlap(tmp_path: Path) -> None:
    with gunicorn(tmp_path, "wsgi_app:app", "--chdir", str(EXAMPLES.parent / "tests" /
                                                           "runtime" / "apps")) as (pid, port,
                                                                                    log):
        assert eventually(lambda: len(_children(pid)) == 1)  # floor(1 CPU) workers
        seen: list[int] = []

        def hit() -> None:
            with contextlib.suppress(OSError, ValueError):
                seen.append(json.loads(get(port, "/inflight?ms=1500", timeout=60)[1])[
                    "max_inflight"])

        clients = [threading.Thread(target=hit) for _ in range(2 * DEFAULT_REQUEST_THREADS)]
        for client in clients:
            client.start()
        for client in clients:
            client.join(120)
        line = _concurrency_line(log)
        assert "Using worker: gthread" in _messages(log)
    assert line == (f"podfit: 1 worker(s) x {DEFAULT_REQUEST_THREADS} thread(s) (gthread), "
                    f"podfit default for unmeasured apps: gthread x {DEFAULT_REQUEST_THREADS}; "
                    "set WEB_CONCURRENCY/PODFIT_THREADS from podfit profile")
    # one sync worker would have served them one at a time; the default serves one per thread
    assert max(seen) == DEFAULT_REQUEST_THREADS


def test_cpu_bound_app_default_and_its_measured_sync_worker(tmp_path: Path) -> None:
    app = ["--chdir", str(EXAMPLES / "profile-cpu")]
    with gunicorn(tmp_path, "app:app", *app) as (_pid, port, log):
        assert get(port, "/", timeout=30)[0] == 200
        assert f"x {DEFAULT_REQUEST_THREADS} thread(s) (gthread), podfit default" in \
            _concurrency_line(log)
    # what `podfit init --from-profile` writes for a CPU-bound app measured best at 1 x 1
    measured = {"WEB_CONCURRENCY": "1", "PODFIT_THREADS": "1"}
    with gunicorn(tmp_path, "app:app", *app, env=measured) as (_pid, port, log):
        assert get(port, "/", timeout=30)[0] == 200
        assert _concurrency_line(log) == ("podfit: 1 worker(s) x 1 thread(s) (sync), from the "
                                          "environment (measured)")
        assert "Using worker: sync" in _messages(log)


def test_mixed_app_workers_follow_the_cpu_and_a_user_config_wins(tmp_path: Path) -> None:
    app = ["--chdir", str(EXAMPLES / "profile-mixed")]
    with gunicorn(tmp_path, "app:app", *app, cpu=2.0) as (pid, port, log):
        assert eventually(lambda: len(_children(pid)) == 2)  # floor(2 CPUs)
        assert get(port, "/", timeout=30)[0] == 200
        assert _concurrency_line(log).startswith(
            f"podfit: 2 worker(s) x {DEFAULT_REQUEST_THREADS} thread(s) (gthread), podfit default")
    own = tmp_path / "gunicorn.conf.py"
    own.write_text("from podfit.runtime.gunicorn_conf import *  # noqa: F403\nthreads = 4\n")
    with gunicorn(tmp_path, "app:app", *app, conf=str(own)) as (_pid, port, log):
        assert get(port, "/", timeout=30)[0] == 200
        assert _concurrency_line(log).startswith(
            "podfit: 1 worker(s) x 4 thread(s) (gthread), from your configuration")


def test_asgi_app_keeps_uvicorn_workers(tmp_path: Path) -> None:
    apps = str(EXAMPLES.parent / "tests" / "runtime" / "apps")
    with gunicorn(tmp_path, "asgi_app:app", "--chdir", apps, "-k",
                  "uvicorn.workers.UvicornWorker") as (_pid, port, log):
        assert get(port, "/livez", timeout=30)[0] == 200
        assert _concurrency_line(log).startswith(
            "podfit: 1 worker(s) (UvicornWorker), from your configuration")
        assert "Using worker: uvicorn.workers.UvicornWorker" in _messages(log)


def test_an_explicit_sync_worker_class_keeps_one_thread(tmp_path: Path) -> None:
    with gunicorn(tmp_path, "app:app", "--chdir", str(EXAMPLES / "profile-io"), "-k",
                  "sync") as (_pid, port, log):
        assert get(port, "/", timeout=30)[0] == 200
        assert _concurrency_line(log).startswith(
            "podfit: 1 worker(s) x 1 thread(s) (sync), from your configuration")
        assert "Using worker: sync" in _messages(log)
