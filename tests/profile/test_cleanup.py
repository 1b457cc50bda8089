"""No process or cgroup outlives a profile: after success, a crash before ready, a crash under
load (with an orphaned grandchild), an OOM kill, Ctrl-C and SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from podfit.core.errors import ProfileError
from podfit.profile import CgroupBackend, ModelSettings, RunSettings, SweepSettings, run_profile
from podfit.profile.cgroups import Limits
from podfit.profile.sandbox import CgroupApp
from tests.profile.conftest import GUNICORN, ROOT, example, leftovers, needs_cgroup

pytestmark = [needs_cgroup, pytest.mark.real]

FAST = RunSettings(warmup_s=1, duration_s=1, open_duration_s=0.5, open_fractions=(0.5,),
                   ready_timeout_s=10, use_wrk=False)

# Serves 30 requests, leaves a grandchild that outlives it, then dies mid-load.
CRASHER = """
import os, subprocess, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
n = 0
class H(BaseHTTPRequestHandler):
    def do_GET(self):
        global n
        n += 1
        if n > 30:
            print("fatal: simulated crash", file=sys.stderr, flush=True)
            os._exit(1)
        self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *a): pass
HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""


class Recording(CgroupBackend):
    """The real backend, remembering every pid that was in a run's cgroup before cleanup."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[int] = set()

    def launch(self, argv: list[str], env: dict[str, str], limits: Limits, host: str,
               port: int) -> CgroupApp:
        app = super().launch(argv, env, limits, host, port)
        close = app.close

        def recording_close() -> None:
            self.seen.update(app.pids())
            close()

        app.close = recording_close  # type: ignore[method-assign]
        return app


def _alive(pids: set[int]) -> list[int]:
    alive = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.append(pid)
        except psutil.NoSuchProcess:
            pass
    return alive


def _profile(argv: list[str], backend: CgroupBackend, memory: int = 256 * 2**20,
             workers: tuple[int, ...] = (1,)) -> object:
    grid = SweepSettings(cpu_limits=(1.0,), memory_limit=memory, workers=workers, threads=(1,))
    return run_profile(argv, backend, run=FAST, grid=grid, model=ModelSettings())


@pytest.mark.usefixtures("no_leftovers")
def test_success_leaves_nothing() -> None:
    backend = Recording()
    result = _profile([GUNICORN, "--chdir", example("io"), "app:app"], backend, workers=(1, 2))
    assert all(r.status == "ok" for r in result.runs)  # type: ignore[attr-defined]
    assert len(backend.seen) >= 2  # master and worker(s) were seen …
    assert not _alive(backend.seen)  # … and are gone


@pytest.mark.usefixtures("no_leftovers")
def test_crash_before_ready_reports_the_apps_last_output() -> None:
    code = "import sys; print('ImportError: no module named appx', file=sys.stderr); sys.exit(3)"
    with pytest.raises(ProfileError, match="no module named appx") as info:
        _profile([sys.executable, "-c", code], Recording())
    assert "crashed" in info.value.message


@pytest.mark.usefixtures("no_leftovers")
def test_crash_under_load_kills_the_orphaned_grandchild() -> None:
    backend = Recording()
    with pytest.raises(ProfileError, match=r"during load|simulated crash"):
        _profile([sys.executable, "-c", CRASHER, "{port}"], backend)
    assert len(backend.seen) >= 1  # the grandchild outlived the server inside the cgroup
    assert not _alive(backend.seen)


@pytest.mark.usefixtures("no_leftovers")
def test_oom_kill_is_reported_and_cleaned_up() -> None:
    backend = Recording()
    with pytest.raises(ProfileError, match="oom") as info:
        _profile([GUNICORN, "--chdir", example("memory"), "app:app"], backend,
                 memory=96 * 2**20)
    assert "--memory" in (info.value.hint or "")
    assert not _alive(backend.seen)


def _running_app_pids(owner: int, timeout: float = 30) -> tuple[list[Path], set[int]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        dirs = leftovers(owner)
        pids = {int(p) for d in dirs for p in (d / "cgroup.procs").read_text().split()}
        if len(pids) >= 2:  # gunicorn master and worker
            return dirs, pids
        time.sleep(0.1)
    raise AssertionError("the app never started")


@pytest.mark.usefixtures("no_leftovers")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_removes_everything(sig: signal.Signals) -> None:
    cli = subprocess.Popen(
        [sys.executable, "-m", "podfit", "profile", "--no-progress", "--duration", "5s",
         "--", GUNICORN, "--chdir", example("io"), "app:app"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        dirs, pids = _running_app_pids(cli.pid)
        time.sleep(1.5)  # into the load phase
        os.kill(cli.pid, sig)
        _, err = cli.communicate(timeout=30)
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()
    assert cli.returncode == 130
    assert "error: interrupted" in err
    assert "Traceback" not in err
    assert not _alive(pids)
    assert not any(d.exists() for d in dirs)
