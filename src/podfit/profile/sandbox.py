"""Run the app inside emulated pod limits — a fresh cgroup or a container — and always clean up.

No process or cgroup outlives podfit: after success, failure, an app crash or OOM kill, every
sandbox is stopped and removed; on SIGINT/SIGTERM/SIGHUP all of them are stopped at once
within ``live.STOP_BOUND_S``; the app's first process dies with podfit (``PR_SET_PDEATHSIG``)
and a watchdog kills the rest of its cgroup when podfit is SIGKILLed; and each new
:class:`CgroupBackend` removes what a killed run left behind (``reclaimed`` says what).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

import psutil

from podfit.core.errors import ProfileError
from podfit.profile.cgroups import (
    KILL_WAIT_S,
    Cgroup,
    CgroupStats,
    CgroupV1,
    Limits,
    create_cgroup,
    detect_version,
    own_v1_dirs,
    own_v2_dir,
)
from podfit.profile.container import ContainerApp, ContainerBackend
from podfit.profile.live import GRACE_S, STOP_BOUND_S, guard_signals, register, stop, tail
from podfit.profile.live import stop_all as cleanup_all
from podfit.profile.live import unregister as _unregister
from podfit.profile.load import LoadDriver
from podfit.profile.reaper import WATCHDOG, parent_death_signal, pids_in, reap

__all__ = [
    "STOP_BOUND_S", "App", "Backend", "CgroupApp", "CgroupBackend", "ContainerApp",
    "ContainerBackend", "cleanup_all", "guard_signals", "load_driver", "reclaim_leftovers",
]



class App(Protocol):
    """A running app under limits, as the runner sees it."""

    def poll(self) -> int | None: ...
    def stderr_tail(self, lines: int = 15) -> str: ...
    def pids(self) -> list[int]: ...
    def master_pid(self) -> int | None: ...
    def stats(self) -> CgroupStats: ...
    def reset_peak(self) -> None: ...
    def close(self) -> None: ...


class Backend(Protocol):
    """Starts one app per run; ``name`` goes into the report, ``reclaimed`` into its
    warnings (what killed podfit runs had left and the backend removed)."""

    name: str
    reclaimed: tuple[str, ...]

    def launch(self, argv: list[str], env: dict[str, str], limits: Limits, host: str,
               port: int) -> App: ...


def _enter(procs_files: list[str]) -> Callable[[], None]:
    """A ``preexec_fn`` that moves the child into the cgroup before it runs the app, and ties
    the child's life to podfit's (SIGKILL when podfit dies)."""
    arm = parent_death_signal()

    def move() -> None:
        for name in procs_files:
            fd = os.open(name, os.O_WRONLY)
            try:
                os.write(fd, b"0")
            finally:
                os.close(fd)
        arm()

    return move


class _GroupHandle:
    """A bare cgroup (the load generators' one) as a live sandbox."""

    def __init__(self, group: Cgroup) -> None:
        self.group = group

    def terminate(self) -> None:
        self.group.terminate()

    def kill(self) -> None:
        self.group.kill()

    def running(self) -> bool:
        return self.group.running()

    def release(self, deadline: float) -> list[str]:
        left = self.group.release(max(0.05, deadline - time.monotonic()))
        if left:
            return [f"cgroup {d} (a process in it has not died yet)" for d in left]
        WATCHDOG.forget(self.group.unique_dirs)
        _unregister(self)
        return []


class CgroupApp:
    """The app as a child process in a fresh cgroup of its own."""

    def __init__(self, argv: list[str], env: dict[str, str], cgroup: Cgroup,
                 cwd: str | None = None) -> None:
        self.cgroup = cgroup
        self.handle = _GroupHandle(cgroup)
        self.log = Path(tempfile.mkstemp(prefix="podfit-app-", suffix=".log")[1])
        self.proc: subprocess.Popen[bytes] | None = None
        self._closed = False
        register(self)
        try:
            with self.log.open("wb") as log:
                self.proc = subprocess.Popen(
                    argv, env={**os.environ, **env}, cwd=cwd, stdin=subprocess.DEVNULL,
                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                    preexec_fn=_enter(cgroup.procs_files()))  # noqa: PLW1509 - must run pre-exec
        except (OSError, subprocess.SubprocessError) as exc:
            self.close()
            raise ProfileError(f"cannot start {argv[0]}: {exc}",
                               "check the command after '--' (is it installed, on PATH?)"
                               ) from exc

    def poll(self) -> int | None:
        return self.proc.poll() if self.proc is not None else -1

    def stderr_tail(self, lines: int = 15) -> str:
        return tail(self.log, lines)

    def pids(self) -> list[int]:
        return self.cgroup.pids()

    def master_pid(self) -> int | None:
        return self.proc.pid if self.proc is not None and self.proc.poll() is None else None

    def stats(self) -> CgroupStats:
        return self.cgroup.stats()

    def reset_peak(self) -> None:
        self.cgroup.reset_peak()

    # The phases ``live.stop`` runs for every live sandbox at once.
    def terminate(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.terminate()  # a graceful stop first: gunicorn reaps its workers

    def kill(self) -> None:
        self.cgroup.kill()

    def running(self) -> bool:
        return self.cgroup.running()

    def release(self, deadline: float) -> list[str]:
        if self._closed:
            return []
        left = self.handle.release(deadline)
        if self.proc is not None:  # reap the master (a zombie since its SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=max(0.01, deadline - time.monotonic()))
        if not left:
            self._closed = True
            with contextlib.suppress(OSError):
                self.log.unlink()
            _unregister(self)
        return left

    def close(self) -> None:
        """Stop the app (graceful, then SIGKILL of its cgroup) and remove everything."""
        if self._closed:
            return
        left = stop([self], GRACE_S, KILL_WAIT_S)
        if left:
            raise ProfileError(f"could not remove {left[0]}",
                               "the watchdog and the next podfit run remove it")


class CgroupBackend:
    """The app runs as a child of podfit in a fresh cgroup (v1 or v2) per run. Creating one
    removes what killed podfit runs left (``reclaimed`` lists what)."""

    def __init__(self, version: str | None = None, cwd: str | None = None) -> None:
        self.name = version or detect_version()
        self.cwd = cwd
        self.reclaimed = tuple(reclaim_leftovers(self.name))

    def launch(self, argv: list[str], env: dict[str, str], limits: Limits, host: str,
               port: int) -> CgroupApp:
        cgroup = create_cgroup(limits, self.name)
        WATCHDOG.watch(cgroup.unique_dirs)
        # Registered from its creation: an interrupt before the app object exists kills it too.
        early = _GroupHandle(cgroup)
        register(early)
        try:
            return CgroupApp(argv, env, cgroup, self.cwd)
        finally:
            _unregister(early)  # the app owns it now (and closed it if the start failed)


def _owner_gone(pid: int, directory: Path) -> bool:
    """A podfit cgroup is stale when its owner is dead, or its PID now names a process that
    started after the cgroup was made (PID reuse)."""
    if pid == os.getpid():
        return False
    try:
        started = psutil.Process(pid).create_time()
        made = directory.stat().st_ctime
    except psutil.NoSuchProcess:
        return True
    except (psutil.Error, OSError):
        return False
    return started > made + 1


def _podfit_children(version: str) -> dict[str, list[Path]]:
    mountinfo = Path("/proc/self/mountinfo").read_text()
    proc_cgroup = Path("/proc/self/cgroup").read_text()
    parents = (set(own_v1_dirs(mountinfo, proc_cgroup).values())
               if version == CgroupV1.version else {own_v2_dir(mountinfo, proc_cgroup)})
    found: dict[str, list[Path]] = {}
    for parent in parents:
        if parent is None:
            continue
        for child in sorted(parent.glob("podfit-*")):
            found.setdefault(child.name, []).append(child)
    return found


def reclaim_leftovers(version: str) -> list[str]:
    """Kill what is left in cgroups of podfit runs that are gone, remove the cgroups, and
    say what was removed (one line per cgroup)."""
    said = []
    with contextlib.suppress(OSError):
        for name, dirs in _podfit_children(version).items():
            parts = name.split("-")
            if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
                continue  # not a profile sandbox
            if not _owner_gone(int(parts[1]), dirs[0]):
                continue
            pids = sorted(pids_in(dirs))
            left = reap(dirs, KILL_WAIT_S)
            killed = (f" and killed {len(pids)} process(es) in it ({', '.join(map(str, pids))})"
                      if pids else "")
            if left:
                said.append(f"could not remove cgroup {name} left by podfit pid {parts[1]}"
                            f"{killed}: a process in it has not died yet")
            else:
                said.append(f"removed cgroup {name} left by podfit pid {parts[1]}, which is "
                            f"gone{killed}")
    return said


class _DriverHandle:
    """The load generators as one live sandbox: their cgroup when there is one, else the
    driver's own helper process."""

    def __init__(self, driver: LoadDriver, group: Cgroup | None) -> None:
        self.driver = driver
        self.group = _GroupHandle(group) if group is not None else None

    def _helper(self) -> subprocess.Popen[str] | None:
        helper = getattr(self.driver, "_helper", None)  # the built-in generator's process
        return helper if isinstance(helper, subprocess.Popen) else None

    def terminate(self) -> None:
        if self.group is not None:
            self.group.terminate()
        elif (helper := self._helper()) is not None and helper.poll() is None:
            helper.terminate()

    def kill(self) -> None:
        if self.group is not None:
            self.group.kill()
        elif (helper := self._helper()) is not None and helper.poll() is None:
            helper.kill()

    def running(self) -> bool:
        helper = self._helper()
        return (self.group is not None and self.group.running()) or (
            helper is not None and helper.poll() is None)

    def release(self, deadline: float) -> list[str]:
        helper = self._helper()
        if helper is None or helper.poll() is not None:
            self.driver.close()  # only reaps: it has exited
        left = self.group.release(deadline) if self.group is not None else []
        if not left:
            _unregister(self)
        return left


@contextlib.contextmanager
def load_driver(use_wrk: bool | None) -> Iterator[LoadDriver]:
    """A load driver whose processes run in a cgroup of their own with top CPU priority (when
    cgroups can be created) and die with podfit; removed with everything in it afterwards."""
    group: Cgroup | None = None
    with contextlib.suppress(ProfileError, OSError):
        group = create_cgroup(Limits())
        WATCHDOG.watch(group.unique_dirs)
    driver = LoadDriver(use_wrk, _enter(group.procs_files()) if group else
                        parent_death_signal())
    handle = _DriverHandle(driver, group)
    register(handle)
    try:
        yield driver
    except BaseException:
        stop([handle])  # an interrupt or an error is already on its way up: do not mask it
        raise
    driver.close()  # a clean end: the helper exits when its input closes
    left = stop([handle])
    if left:
        raise ProfileError(f"could not remove {left[0]}",
                           "the watchdog and the next podfit run remove it")
