"""Helpers for profile tests: real cgroups, real servers, and a leftover check after each."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from podfit.profile.cgroups import own_v1_dirs

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
BIN = Path(sys.executable).parent
GUNICORN = str(BIN / "gunicorn")
UVICORN = str(BIN / "uvicorn")


def v1_dirs() -> dict[str, Path]:
    return own_v1_dirs(Path("/proc/self/mountinfo").read_text(),
                       Path("/proc/self/cgroup").read_text())


def cgroup_v1_usable() -> bool:
    dirs = v1_dirs()
    return os.geteuid() == 0 and {"cpu", "cpuacct", "memory"} <= set(dirs) and all(
        os.access(d, os.W_OK) for d in dirs.values())


needs_cgroup = pytest.mark.skipif(not cgroup_v1_usable(),
                                  reason="needs root and writable cgroup v1 cpu/memory")
needs_wrk = pytest.mark.skipif(shutil.which("wrk") is None, reason="needs wrk (apt install wrk)")


def leftovers(owner: int | None = None) -> list[Path]:
    """podfit cgroups (``podfit-<owner pid>-<n>``) under this process's own cgroups: those of
    ``owner``, or else those of this process and of podfit processes that have exited (a
    podfit running alongside, such as a benchmark, owns its live cgroups)."""
    found: list[Path] = []
    for directory in set(v1_dirs().values()):
        for child in sorted(directory.glob("podfit-*")):
            parts = child.name.split("-")
            if len(parts) != 3 or not parts[1].isdigit():
                continue  # not a profile sandbox (another part of podfit names cgroups too)
            pid = int(parts[1])
            if pid == owner or (owner is None and (pid == os.getpid()
                                                   or not psutil.pid_exists(pid))):
                found.append(child)
    return found


@pytest.fixture
def no_leftovers() -> Iterator[None]:
    """Fail the test if it leaves a podfit cgroup (and so possibly a process) behind."""
    before = set(leftovers())
    yield
    after = set(leftovers()) - before
    assert not after, f"cgroups left behind: {sorted(after)}"


def example(name: str) -> str:
    return str(EXAMPLES / f"profile-{name}")
