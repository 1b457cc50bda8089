"""Kill everything in a set of cgroups and remove them — for podfit, and for its watchdog.

The watchdog is this file run as a script (``python -I -S reaper.py``, standard library only,
so it starts in milliseconds): a process in a session of its own that ignores SIGINT, SIGTERM
and SIGHUP and reads ``+dir`` / ``-dir`` lines from a pipe whose other end only podfit holds.
When the pipe ends — podfit exited, was SIGKILLed or OOM-killed — it kills whatever is still
in the watched cgroups and removes them, so no app process or cgroup outlives podfit.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

#: How long the watchdog keeps killing after podfit is gone (a task in uninterruptible
#: sleep — disk I/O on a busy host — only dies once the I/O completes).
WATCHDOG_REAP_S = 60.0
_PR_SET_PDEATHSIG = 1
_FREEZE_WAIT_S = 0.2


def _pids(directory: Path) -> set[int]:
    try:
        return {int(p) for p in (directory / "cgroup.procs").read_text().split()}
    except (OSError, ValueError):
        return set()


def pids_in(dirs: Iterable[Path]) -> set[int]:
    """Every process in any of ``dirs``."""
    return {pid for d in dirs for pid in _pids(d)}


def _write(path: Path, value: str) -> bool:
    try:
        path.write_text(value)
    except OSError:
        return False
    return True


def signal_all(dirs: Iterable[Path], sig: int) -> None:
    """Send ``sig`` to every process in ``dirs`` (no waiting)."""
    for pid in pids_in(dirs):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def kill_all(dirs: Iterable[Path]) -> None:
    """SIGKILL everything in ``dirs`` in one pass that a forking master cannot outrun: the
    kernel's ``cgroup.kill`` (v2), or freeze (v1 freezer / v2 ``cgroup.freeze``), kill, thaw."""
    dirs = [d for d in dirs if d.exists()]
    frozen: list[tuple[Path, str]] = []
    for d in dirs:
        if _write(d / "cgroup.kill", "1"):
            continue
        if _write(d / "freezer.state", "FROZEN"):
            frozen.append((d / "freezer.state", "THAWED"))
        elif _write(d / "cgroup.freeze", "1"):
            frozen.append((d / "cgroup.freeze", "0"))
    deadline = time.monotonic() + _FREEZE_WAIT_S  # bounded: a task in D state stays FREEZING
    while frozen and time.monotonic() < deadline and any(
            not _frozen(path) for path, _ in frozen):
        time.sleep(0.005)
    signal_all(dirs, signal.SIGKILL)
    for path, thawed in frozen:  # a frozen task dies of its pending SIGKILL once thawed
        _write(path, thawed)


def _frozen(path: Path) -> bool:
    try:
        text = path.read_text().strip()
    except OSError:
        return True
    return text in ("FROZEN", "1") if path.name == "freezer.state" else _v2_frozen(path)


def _v2_frozen(path: Path) -> bool:
    try:
        return "frozen 1" in (path.parent / "cgroup.events").read_text()
    except OSError:
        return True


def remove(dirs: Iterable[Path]) -> list[Path]:
    """``rmdir`` each of ``dirs`` once; those that still exist (EBUSY: a task is exiting)."""
    left = []
    for d in dirs:
        try:
            d.rmdir()
        except FileNotFoundError:
            continue
        except OSError:
            left.append(d)
    return left


def reap(dirs: Iterable[Path], timeout: float) -> list[Path]:
    """Kill everything in ``dirs`` and remove them, retrying until ``timeout`` seconds have
    passed; the directories that could not be removed."""
    left = list(dict.fromkeys(dirs))
    deadline = time.monotonic() + timeout
    while True:
        if pids_in(left):
            kill_all(left)
        left = remove(left)
        if not left or time.monotonic() >= deadline:
            return left
        time.sleep(0.02)


def parent_death_signal(sig: int = signal.SIGKILL) -> Callable[[], None]:
    """A ``preexec_fn`` step: the child gets ``sig`` when podfit (the thread that forked it)
    dies; and if podfit already died before the call, the child exits at once."""
    libc = ctypes.CDLL(None, use_errno=True)  # loaded before the fork, not in the child
    prctl = libc.prctl
    parent = os.getpid()

    def arm() -> None:
        prctl(_PR_SET_PDEATHSIG, sig, 0, 0, 0)
        if os.getppid() != parent:
            os._exit(1)

    return arm


class Watchdog:
    """The client side: starts the watchdog once, tells it which cgroups to guard and which
    commands to run should podfit die."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None

    def _pipe(self) -> subprocess.Popen[bytes] | None:
        if self._proc is None or self._proc.poll() is not None:
            try:
                self._proc = subprocess.Popen(
                    [sys.executable, "-I", "-S", __file__], stdin=subprocess.PIPE,
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,  # never hold
                    start_new_session=True, close_fds=True)  # the caller's pipes open
            except OSError:
                self._proc = None
        return self._proc

    def _send(self, line: str) -> None:
        proc = self._pipe()
        if proc is not None and proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.write(line.encode() + b"\n")
                proc.stdin.flush()

    def watch(self, dirs: Iterable[Path]) -> None:
        for d in dirs:
            self._send(f"+{d}")

    def forget(self, dirs: Iterable[Path]) -> None:
        if self._proc is not None:
            for d in dirs:
                self._send(f"-{d}")

    def on_exit(self, argv: list[str], env: dict[str, str]) -> None:
        """Run ``argv`` (with ``env`` added) if podfit dies before :meth:`cancel` — how a
        container, which lives in the engine's cgroups rather than podfit's, is removed."""
        self._send("!" + json.dumps({"argv": argv, "env": env}, sort_keys=True))

    def cancel(self, argv: list[str], env: dict[str, str]) -> None:
        if self._proc is not None:
            self._send("~" + json.dumps({"argv": argv, "env": env}, sort_keys=True))

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None


#: One per podfit process: it outlives podfit only to reap what podfit could not.
WATCHDOG = Watchdog()


def main() -> None:
    """The watchdog process: guard cgroups until the pipe from podfit ends, then reap them."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE):
        signal.signal(sig, signal.SIG_IGN)
    watched: dict[str, None] = {}
    commands: dict[str, None] = {}
    for raw in sys.stdin.buffer:
        line = raw.decode(errors="replace").rstrip("\n")
        if line.startswith("+"):
            watched[line[1:]] = None
        elif line.startswith("-"):
            watched.pop(line[1:], None)
        elif line.startswith("!"):
            commands[line[1:]] = None
        elif line.startswith("~"):
            commands.pop(line[1:], None)
    for command in commands:  # containers first: they serve on the app's port
        with contextlib.suppress(OSError, ValueError, subprocess.SubprocessError):
            spec = json.loads(command)
            subprocess.run(spec["argv"], env={**os.environ, **spec["env"]},
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=WATCHDOG_REAP_S, check=False)
    reap([Path(d) for d in watched], WATCHDOG_REAP_S)


if __name__ == "__main__":
    main()
