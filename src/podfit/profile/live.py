"""Everything a profile has running, and how it all stops at once within a stated bound.

Every sandbox (app, load generators, their cgroups) registers here until it is released.
:func:`stop` ends a set of them *in parallel*, in phases: a graceful signal to all, a wait of
at most ``GRACE_S``, SIGKILL of everything in their cgroups, then kill-and-remove retries for at
most ``KILL_WAIT_S``. So an interrupt ends a profile within ``STOP_BOUND_S`` whatever the host
load; a task the kernel has not finished killing by then (uninterruptible I/O) is left to the
watchdog (``reaper``), which keeps at it after podfit exits, and to the next run.
"""

from __future__ import annotations

import atexit
import contextlib
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from podfit.profile.cgroups import KILL_WAIT_S

#: Graceful stop: how long SIGTERM'd processes get before everything is SIGKILLed.
GRACE_S = 2.0
#: The longest an interrupt's cleanup takes: graceful stop plus kill and removal.
STOP_BOUND_S = GRACE_S + KILL_WAIT_S
#: The longest from the signal to podfit's exit, as documented: the stop plus slack for the
#: interpreter's own exit and for scheduling on a loaded host.
EXIT_BOUND_S = STOP_BOUND_S + 5.0


class Stoppable(Protocol):
    """A live sandbox, stopped in phases so that many can be stopped at once."""

    def terminate(self) -> None:
        """Ask everything inside to stop (no waiting)."""

    def kill(self) -> None:
        """SIGKILL everything inside (no waiting)."""

    def running(self) -> bool: ...

    def release(self, deadline: float) -> list[str]:
        """Reap, remove cgroups and files, retrying until ``deadline`` (monotonic); what
        could not be removed."""


_LIVE: dict[int, Stoppable] = {}
_stopping = False


def register(obj: Stoppable) -> None:
    _LIVE[id(obj)] = obj


def unregister(obj: Stoppable) -> None:
    _LIVE.pop(id(obj), None)


def _each(objs: list[Stoppable], action: str) -> None:
    for obj in objs:
        with contextlib.suppress(Exception):  # one broken sandbox must not spare the others
            getattr(obj, action)()


def _wait(objs: list[Stoppable], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if not any(obj.running() for obj in objs):
                return
        time.sleep(0.02)


def stop(objs: list[Stoppable], grace: float = GRACE_S,
         kill_wait: float = KILL_WAIT_S) -> list[str]:
    """Stop ``objs`` together within ``grace + kill_wait`` seconds (plus a few ms per
    object); what could not be removed (every step is idempotent, so a stop that an
    interrupt cut short can simply be run again)."""
    _each(objs, "terminate")
    _wait(objs, grace)
    _each(objs, "kill")
    deadline = time.monotonic() + kill_wait
    _wait(objs, kill_wait)
    left: list[str] = []
    for obj in objs:
        try:
            left += obj.release(deadline)
        except Exception as exc:  # report it, go on with the others
            left.append(str(exc))
    return left


def stop_all() -> list[str]:
    """Stop everything still registered (at exit and on an interrupt)."""
    return stop(list(_LIVE.values()))


atexit.register(stop_all)


@contextlib.contextmanager
def guard_signals() -> Iterator[None]:
    """While profiling, SIGINT, SIGTERM and SIGHUP stop every sandbox at once (within
    ``STOP_BOUND_S``) and then unwind as ``KeyboardInterrupt``; a repeated signal during that
    stop is ignored, since the stop is already bounded."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        global _stopping  # noqa: PLW0603 - one stop per process at a time
        if _stopping:
            return
        _stopping = True
        try:
            stop_all()
        finally:
            _stopping = False
        raise KeyboardInterrupt(f"signal {signum}")

    sigs = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.signal(sig, interrupt) for sig in sigs}
    try:
        yield
    finally:
        stop_all()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def tail(path: Path, lines: int) -> str:
    """The last ``lines`` lines of a log file ("" if it is gone)."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.strip().splitlines()[-lines:])
