"""No process or cgroup outlives a profile: after success, a crash before ready, a crash under
load (with an orphaned grandchild), an OOM kill; SIGINT, SIGTERM and SIGHUP in every phase on
a busy machine (within the stated bound); and a SIGKILLed podfit (the next run cleans up)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

from podfit.core.errors import ProfileError
from podfit.profile import CgroupBackend, ModelSettings, RunSettings, SweepSettings, run_profile
from podfit.profile.cgroups import Limits
from podfit.profile.live import EXIT_BOUND_S
from podfit.profile.sandbox import CgroupApp
from tests.profile.conftest import GUNICORN, ROOT, example, leftovers, needs_cgroup, v1_dirs

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
    # What the backend removed of killed runs when it was created reaches the report.
    backend.reclaimed = ("removed cgroup podfit-1-0 left by podfit pid 1, which is gone",)
    result = _profile([GUNICORN, "--chdir", example("io"), "app:app"], backend, workers=(1, 2))
    assert all(r.status == "ok" for r in result.runs)  # type: ignore[attr-defined]
    assert backend.reclaimed[0] in result.warnings  # type: ignore[attr-defined]
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


@pytest.fixture
def cpu_hogs() -> Iterator[list[int]]:
    """Two busy loops beside the test (the machine this must hold on is busy)."""
    hogs = [subprocess.Popen(["sh", "-c", "while :; do :; done"]) for _ in range(2)]
    try:
        yield [h.pid for h in hogs]
    finally:
        for hog in hogs:
            os.kill(hog.pid, signal.SIGKILL)
            hog.wait()


def _procs(directory: Path) -> dict[int, str]:
    found = {}
    with contextlib.suppress(OSError, ValueError):
        for pid in (directory / "cgroup.procs").read_text().split():
            with contextlib.suppress(psutil.Error):
                found[int(pid)] = " ".join(psutil.Process(int(pid)).cmdline())
    return found


def _wait_for_phase(cli: subprocess.Popen[str], phase: str,
                    timeout: float = 120) -> tuple[list[Path], set[int]]:
    """Wait until the profile is in ``phase`` (judged from what runs in its cgroups: the
    load generators' group is ``podfit-<pid>-0``): ``warm-up`` (the app is up and the first
    wrk runs), ``load`` (a second wrk: the measured closed loop) or ``verification`` (the
    built-in open-loop generator: the SLO probe of the chosen configuration)."""
    deadline = time.monotonic() + timeout
    wrks: set[int] = set()
    app: set[int] = set()
    while time.monotonic() < deadline and cli.poll() is None:
        dirs = leftovers(cli.pid)
        helper = False
        for d in dirs:
            procs = _procs(d)
            if d.name.endswith("-0"):
                wrks |= {pid for pid, cmd in procs.items() if cmd.startswith("wrk")}
                helper = any("podfit.profile.load" in cmd for cmd in procs.values())
            else:
                app |= set(procs)
        ready = len(app) >= 2
        if ready and ((phase == "warm-up" and wrks) or (phase == "load" and len(wrks) >= 2)
                      or (phase == "verification" and helper)):
            return dirs, app
        time.sleep(0.05)
    raise AssertionError(f"the profile never reached {phase} (exit {cli.poll()})")


PHASES = ("warm-up", "load", "verification")
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@pytest.mark.usefixtures("no_leftovers", "cpu_hogs")
@pytest.mark.parametrize("sig", SIGNALS, ids=[s.name for s in SIGNALS])
@pytest.mark.parametrize("phase", PHASES)
def test_interrupt_removes_everything(phase: str, sig: signal.Signals) -> None:
    cli = subprocess.Popen(
        [sys.executable, "-m", "podfit", "profile", "--no-progress", "--warmup", "2s",
         "--duration", "2s", "--open-duration", "1s", "--workers", "1", "--threads", "1,2",
         "--", GUNICORN, "--chdir", example("io"), "app:app"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        dirs, pids = _wait_for_phase(cli, phase)
        os.kill(cli.pid, sig)
        sent = time.monotonic()
        _, err = cli.communicate(timeout=EXIT_BOUND_S + 30)
        took = time.monotonic() - sent
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()
    assert (cli.returncode, "error: interrupted" in err, "Traceback" in err) == (130, True,
                                                                                False), err
    assert took <= EXIT_BOUND_S, f"{took:.1f}s to exit after {sig.name} during {phase}"
    assert not _alive(pids)
    assert not any(d.exists() for d in dirs)


@pytest.mark.usefixtures("cpu_hogs")
def test_sigkilled_podfit_leaves_no_app_and_the_next_run_no_cgroup() -> None:
    cli = subprocess.Popen(
        [sys.executable, "-m", "podfit", "profile", "--no-progress", "--duration", "5s",
         "--workers", "2", "--threads", "1", "--", GUNICORN, "--chdir", example("io"),
         "app:app"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _, pids = _wait_for_phase(cli, "load")
        pids |= {p for d in leftovers(cli.pid) for p in _procs(d)}  # the generators too
        os.kill(cli.pid, signal.SIGKILL)
        cli.communicate(timeout=30)  # nothing podfit started holds its output open
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()
    time.sleep(1.0)
    assert not _alive(pids)
    CgroupBackend()  # the next run
    assert leftovers(cli.pid) == []


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


@pytest.mark.usefixtures("no_leftovers")
def test_next_run_removes_what_a_killed_run_left_and_says_so() -> None:
    owner = _dead_pid()
    dirs = [d / f"podfit-{owner}-3" for d in dict.fromkeys(v1_dirs().values())]
    for d in dirs:
        d.mkdir()
    orphan = subprocess.Popen(  # what a SIGKILLed podfit's app would be: still in its cgroup
        [sys.executable, "-c", "import time; time.sleep(300)"],
        preexec_fn=_enter_only([str(d / "cgroup.procs") for d in dirs]))  # noqa: PLW1509
    try:
        time.sleep(0.2)
        backend = CgroupBackend()
        assert orphan.wait(timeout=10) == -signal.SIGKILL
    finally:
        if orphan.poll() is None:
            orphan.kill()
            orphan.wait()
        for d in dirs:
            with contextlib.suppress(OSError):
                d.rmdir()
    assert backend.reclaimed == (f"removed cgroup podfit-{owner}-3 left by podfit pid {owner}, "
                                 f"which is gone and killed 1 process(es) in it ({orphan.pid})",)
    assert not any(d.exists() for d in dirs)


@pytest.mark.usefixtures("no_leftovers")
def test_next_run_keeps_the_cgroups_of_a_live_podfit() -> None:
    live = CgroupBackend().launch([sys.executable, "-c", "import time; time.sleep(60)"], {},
                                  Limits(), "127.0.0.1", 0)
    try:
        assert CgroupBackend().reclaimed == ()
        assert live.poll() is None
    finally:
        live.close()


def _enter_only(procs_files: list[str]) -> Callable[[], None]:
    def move() -> None:
        for name in procs_files:
            with open(name, "w") as f:
                f.write("0")

    return move


@pytest.mark.usefixtures("no_leftovers")
def test_an_interrupt_inside_a_runs_own_teardown_does_not_abandon_it() -> None:
    """The leak of issue 8's ``test_interrupt_removes_everything[2]``: an interrupt that landed
    while a run was being torn down (seconds, on a busy host) found that run already marked
    closed and unregistered, so nothing removed its cgroup or its processes."""
    from podfit.profile.sandbox import cleanup_all

    app = CgroupBackend().launch([sys.executable, "-c", "import time; time.sleep(300)"], {},
                                 Limits(), "127.0.0.1", 0)
    dirs = app.cgroup.unique_dirs
    assert eventually_pids(app)
    pids = set(app.pids())
    real_kill = app.cgroup.kill

    def interrupted_kill() -> None:
        app.cgroup.kill = real_kill  # type: ignore[method-assign]
        raise KeyboardInterrupt  # Ctrl-C in the middle of the teardown

    app.cgroup.kill = interrupted_kill  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        app.close()
    cleanup_all()  # what the unwinding runs
    assert not _alive(pids)
    assert not any(d.exists() for d in dirs)


def eventually_pids(app: CgroupApp, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if app.pids():
            return True
        time.sleep(0.02)
    return False
