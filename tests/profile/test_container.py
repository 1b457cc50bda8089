"""The podman backend: a built image under --cpus/--memory, stats from its host cgroup.

Needs podman, runc and the local base image that scripts/base-image.sh builds (no registry is
reachable here); without them the test skips, which CI (PODFIT_REQUIRE_REAL=1) turns into a
failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from podfit.profile import ContainerBackend, ModelSettings, RunSettings, SweepSettings, run_profile

IMAGE = os.environ.get("PODFIT_BASE_IMAGE", "localhost/podfit-python:3.11-bookworm")


def _image_present() -> bool:
    if shutil.which("podman") is None or shutil.which("runc") is None:
        return False
    return subprocess.run(["podman", "image", "exists", IMAGE], capture_output=True,
                          check=False).returncode == 0


pytestmark = [
    pytest.mark.real,
    pytest.mark.skipif(not _image_present(),
                       reason=f"needs podman + runc and {IMAGE} (scripts/base-image.sh)"),
]


def _containers() -> str:
    return subprocess.run(["podman", "ps", "-a", "--filter", "name=podfit-", "--format",
                           "{{.Names}}"], capture_output=True, text=True, check=False).stdout


def test_profile_an_image_under_container_limits() -> None:
    backend = ContainerBackend(IMAGE, container_port=8000)
    settings = RunSettings(warmup_s=1, duration_s=1, open_duration_s=0.5,
                           open_fractions=(0.5,), container_port=8000, ready_timeout_s=60)
    grid = SweepSettings(cpu_limits=(0.5,), memory_limit=128 * 2**20)
    try:
        result = run_profile(["python3", "-m", "http.server", "8000"], backend, run=settings,
                             grid=grid, model=ModelSettings())
    finally:
        backend.close()
    (run,) = result.runs
    assert run.status == "ok", run.note
    assert run.closed is not None
    assert run.closed.rps > 10
    assert 0 < run.cpu_cores <= 0.6  # --cpus 0.5, read from the container's host cgroup
    assert 0 < run.memory_peak < 128 * 2**20
    assert run.processes  # the container's processes, seen from the host
    assert result.recommendation is not None
    assert result.backend == "podman"
    assert "podfit-" not in _containers()


# A podfit that launched a container and is then SIGKILLed (as a CI timeout or the OOM killer
# does): nothing of podfit's runs any more, so only its watchdog can remove the container.
_LAUNCHER = """
import sys, time
from podfit.profile import ContainerBackend
from podfit.profile.cgroups import Limits
backend = ContainerBackend(sys.argv[1], container_port=8000)
app = backend.launch(["python3", "-m", "http.server", "8000"], {}, Limits(), "127.0.0.1",
                     int(sys.argv[2]))
print(app.name, flush=True)
time.sleep(300)
"""


def _running(name: str) -> bool:
    return name in _containers().split()


def test_a_sigkilled_podfit_leaves_no_container() -> None:
    import signal
    import sys
    import time

    from harness.net import free_port

    cli = subprocess.Popen([sys.executable, "-c", _LAUNCHER, IMAGE, str(free_port())],
                           stdout=subprocess.PIPE, text=True)
    try:
        assert cli.stdout is not None
        name = cli.stdout.readline().strip()
        assert name.startswith("podfit-")
        deadline = time.monotonic() + 120
        while not _running(name) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _running(name), "the container never started"
        os.kill(cli.pid, signal.SIGKILL)
        cli.wait(timeout=10)
        deadline = time.monotonic() + 90  # podman rm on a loaded host takes seconds
        while _running(name) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not _running(name), f"container {name} outlived a SIGKILLed podfit"
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()
