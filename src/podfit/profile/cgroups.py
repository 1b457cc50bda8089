"""Fresh cgroups that emulate a container's CPU and memory limits: the v1 and v2 backends.

A profile creates one child cgroup per run under podfit's *own* cgroup (read from
``/proc/self/cgroup``; on v1 each controller may sit at a different path), moves the app in
from ``preexec_fn``, reads the kernel's counters, and on every exit path kills whatever is left
inside and removes the directory.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
from dataclasses import dataclass
from pathlib import Path

from podfit.core.errors import ProfileError
from podfit.profile.reaper import kill_all, pids_in, reap, signal_all
from podfit.runtime.limits import cgroup2_dir, cgroup_dirs

PERIOD_US = 100_000  # the kubelet's CFS period
UNLIMITED = 2**62  # v1 reports "no limit" as 9223372036854771712
# The app's cgroup outweighs everything else on the host, as a pod's CPU request guarantees
# its share on a node: other load on the machine must not look like the app's own slowness.
V1_MAX_SHARES = 262144
V2_MAX_WEIGHT = 10000
# freezer: optional, lets the kill freeze the group first
_V1_CONTROLLERS = ("cpu", "cpuacct", "memory", "pids", "freezer")
_counter = itertools.count()


@dataclass(frozen=True)
class Limits:
    """What the pod would get: CPU cores (CFS quota) and memory bytes; ``None`` means no limit."""

    cpu: float | None = None
    memory: int | None = None


@dataclass(frozen=True)
class CgroupStats:
    """Cumulative kernel counters of one cgroup at one instant."""

    cpu_usage_s: float
    nr_periods: int
    nr_throttled: int
    throttled_s: float
    memory_current: int
    memory_peak: int
    oom_kills: int


def own_v1_dirs(mountinfo: str, proc_cgroup: str) -> dict[str, Path]:
    """This process's cgroup directory per v1 controller (only the ones podfit uses), as
    :mod:`podfit.runtime.limits` resolves it (one home for cgroup paths)."""
    return cgroup_dirs(mountinfo, proc_cgroup, _V1_CONTROLLERS)


def own_v2_dir(mountinfo: str, proc_cgroup: str) -> Path | None:
    """This process's cgroup2 directory, if a cgroup2 mount and a ``0::`` entry exist."""
    return cgroup2_dir(mountinfo, proc_cgroup)


def _read(path: Path) -> str:
    return path.read_text().strip()


def _write(path: Path, value: str) -> None:
    path.write_text(value)


def _keyed(path: Path) -> dict[str, int]:
    values = {}
    with contextlib.suppress(OSError):
        for line in path.read_text().splitlines():
            key, _, number = line.partition(" ")
            with contextlib.suppress(ValueError):
                values[key] = int(number)
    return values


def _pids_of(directory: Path) -> list[int]:
    try:
        return [int(p) for p in (directory / "cgroup.procs").read_text().split()]
    except (OSError, ValueError):
        return []


#: How long closing a cgroup keeps killing and retrying ``rmdir`` before it gives up (and
#: leaves the directory to the watchdog and the next run).
KILL_WAIT_S = 3.0


def _kill_and_remove(dirs: list[Path], timeout: float = KILL_WAIT_S) -> None:
    """SIGKILL every process in ``dirs`` (frozen first, so a forking master cannot outrun
    it), then remove the directories; ``ProfileError`` if one is still busy at ``timeout``."""
    left = reap(dirs, timeout)
    if left:
        raise ProfileError(f"could not remove cgroup {left[0]}",
                           "a process may still run in it (uninterruptible I/O?); the next "
                           "podfit run removes it, or remove it with rmdir")


class _Group:
    """What both backends share: signal, kill and remove everything inside, in phases that
    a caller can run for several groups at once (see ``sandbox.stop``)."""

    _closed: bool

    @property
    def unique_dirs(self) -> list[Path]:
        raise NotImplementedError

    def terminate(self) -> None:
        """SIGTERM every process inside (no waiting)."""
        signal_all(self.unique_dirs, signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL every process inside (no waiting)."""
        kill_all(self.unique_dirs)

    def running(self) -> bool:
        return bool(pids_in(self.unique_dirs))

    def release(self, timeout: float = KILL_WAIT_S) -> list[Path]:
        """Kill whatever is left and remove the directories, for at most ``timeout``
        seconds; those still there (idempotent: call again to retry)."""
        if self._closed:
            return []
        left = reap(self.unique_dirs, timeout)
        self._closed = not left
        return left

    def close(self, timeout: float = KILL_WAIT_S) -> None:
        """Kill whatever is left and remove the directories; ``ProfileError`` if one stays."""
        if not self._closed:
            _kill_and_remove(self.unique_dirs, timeout)
            self._closed = True


class CgroupV1(_Group):
    """A child cgroup in each v1 hierarchy (cpu, cpuacct, memory, pids) of this process."""

    version = "cgroup-v1"

    def __init__(self, dirs: dict[str, Path], limits: Limits) -> None:
        self.dirs = dirs
        self.limits = limits
        self._closed = False

    @classmethod
    def create(cls, limits: Limits, parents: dict[str, Path] | None = None) -> CgroupV1:
        if parents is None:
            parents = own_v1_dirs(Path("/proc/self/mountinfo").read_text(),
                                  Path("/proc/self/cgroup").read_text())
        missing = [c for c in ("cpu", "cpuacct", "memory") if c not in parents]
        if missing:
            raise ProfileError(f"cgroup v1 controllers missing: {', '.join(missing)}")
        name = f"podfit-{os.getpid()}-{next(_counter)}"
        dirs: dict[str, Path] = {}
        made: dict[Path, Path] = {}
        try:
            for controller, parent in parents.items():
                child = parent / name
                if child not in made.values():
                    child.mkdir()
                    made[parent] = child
                dirs[controller] = child
            group = cls(dirs, limits)
            group._apply()
        except OSError as exc:
            _kill_and_remove(list(made.values()))
            raise ProfileError(f"cannot create a cgroup: {exc}",
                               "profile needs root (or a delegated cgroup) to set limits; "
                               "or use --image to run through podman") from exc
        return group

    def _apply(self) -> None:
        cpu = self.dirs["cpu"]
        _write(cpu / "cpu.shares", str(V1_MAX_SHARES))
        _write(cpu / "cpu.cfs_period_us", str(PERIOD_US))
        quota = -1 if self.limits.cpu is None else max(1000, round(self.limits.cpu * PERIOD_US))
        _write(cpu / "cpu.cfs_quota_us", str(quota))
        memory = self.dirs["memory"]
        if self.limits.memory is not None:
            _write(memory / "memory.limit_in_bytes", str(self.limits.memory))
            memsw = memory / "memory.memsw.limit_in_bytes"
            if memsw.exists():  # no swap either: a pod gets none
                _write(memsw, str(self.limits.memory))

    @property
    def unique_dirs(self) -> list[Path]:
        return list(dict.fromkeys(self.dirs.values()))

    def procs_files(self) -> list[str]:
        return [str(d / "cgroup.procs") for d in self.unique_dirs]

    def pids(self) -> list[int]:
        return _pids_of(self.dirs["memory"])

    def stats(self) -> CgroupStats:
        cpu = _keyed(self.dirs["cpu"] / "cpu.stat")
        memory = self.dirs["memory"]
        return CgroupStats(
            cpu_usage_s=int(_read(self.dirs["cpuacct"] / "cpuacct.usage")) / 1e9,
            nr_periods=cpu.get("nr_periods", 0),
            nr_throttled=cpu.get("nr_throttled", 0),
            throttled_s=cpu.get("throttled_time", 0) / 1e9,
            memory_current=int(_read(memory / "memory.usage_in_bytes")),
            memory_peak=int(_read(memory / "memory.max_usage_in_bytes")),
            oom_kills=_keyed(memory / "memory.oom_control").get("oom_kill", 0),
        )

    def reset_peak(self) -> None:
        with contextlib.suppress(OSError):
            _write(self.dirs["memory"] / "memory.max_usage_in_bytes", "0")



class CgroupV2(_Group):
    """A child of this process's cgroup2 directory with ``cpu.max`` and ``memory.max``.

    Needs the cpu and memory controllers enabled in the parent's ``cgroup.subtree_control``
    (a delegated subtree, or root on a pure v2 host).
    """

    version = "cgroup-v2"

    def __init__(self, directory: Path, limits: Limits) -> None:
        self.directory = directory
        self.limits = limits
        self._closed = False
        self._peak_seen = 0

    @classmethod
    def create(cls, limits: Limits, parent: Path | None = None) -> CgroupV2:
        if parent is None:
            parent = own_v2_dir(Path("/proc/self/mountinfo").read_text(),
                                Path("/proc/self/cgroup").read_text())
        if parent is None:
            raise ProfileError("no cgroup2 mount found")
        available = set((parent / "cgroup.controllers").read_text().split()) if (
            parent / "cgroup.controllers").exists() else set()
        if not {"cpu", "memory"} <= available:
            raise ProfileError(f"cgroup2 at {parent} has no cpu/memory controllers",
                               "enable them in the parent's cgroup.subtree_control, or use "
                               "--image to run through a container engine")
        enabled = set((parent / "cgroup.subtree_control").read_text().split())
        try:
            if not {"cpu", "memory"} <= enabled:
                _write(parent / "cgroup.subtree_control", "+cpu +memory")
            directory = parent / f"podfit-{os.getpid()}-{next(_counter)}"
            directory.mkdir()
        except OSError as exc:
            raise ProfileError(f"cannot create a cgroup2 child of {parent}: {exc}",
                               "a cgroup with processes cannot delegate controllers; run "
                               "podfit from a cgroup of its own (e.g. systemd-run --scope)"
                               ) from exc
        group = cls(directory, limits)
        try:
            group._apply()
        except OSError as exc:
            group.close()
            raise ProfileError(f"cannot set cgroup2 limits: {exc}") from exc
        return group

    def _apply(self) -> None:
        quota = "max" if self.limits.cpu is None else str(max(1000, round(self.limits.cpu
                                                                           * PERIOD_US)))
        _write(self.directory / "cpu.max", f"{quota} {PERIOD_US}")
        _write(self.directory / "cpu.weight", str(V2_MAX_WEIGHT))
        if self.limits.memory is not None:
            _write(self.directory / "memory.max", str(self.limits.memory))
            swap = self.directory / "memory.swap.max"
            if swap.exists():
                _write(swap, "0")

    @property
    def unique_dirs(self) -> list[Path]:
        return [self.directory]

    def procs_files(self) -> list[str]:
        return [str(self.directory / "cgroup.procs")]

    def pids(self) -> list[int]:
        return _pids_of(self.directory)

    def stats(self) -> CgroupStats:
        cpu = _keyed(self.directory / "cpu.stat")
        current = int(_read(self.directory / "memory.current"))
        peak_file = self.directory / "memory.peak"  # kernel ≥ 5.19; else the highest sample
        self._peak_seen = max(self._peak_seen, current)
        peak = int(_read(peak_file)) if peak_file.exists() else self._peak_seen
        return CgroupStats(
            cpu_usage_s=cpu.get("usage_usec", 0) / 1e6,
            nr_periods=cpu.get("nr_periods", 0),
            nr_throttled=cpu.get("nr_throttled", 0),
            throttled_s=cpu.get("throttled_usec", 0) / 1e6,
            memory_current=current,
            memory_peak=peak,
            oom_kills=_keyed(self.directory / "memory.events").get("oom_kill", 0),
        )

    def reset_peak(self) -> None:
        self._peak_seen = 0
        with contextlib.suppress(OSError):  # writable since 6.12
            _write(self.directory / "memory.peak", "0")



Cgroup = CgroupV1 | CgroupV2


def detect_version() -> str:
    """``cgroup-v1`` when v1 cpu and memory hierarchies exist (hybrid hosts included), else
    ``cgroup-v2`` when the unified hierarchy offers them; ``ProfileError`` otherwise."""
    mountinfo = Path("/proc/self/mountinfo").read_text()
    proc_cgroup = Path("/proc/self/cgroup").read_text()
    v1 = own_v1_dirs(mountinfo, proc_cgroup)
    if {"cpu", "cpuacct", "memory"} <= set(v1):
        return CgroupV1.version
    v2 = own_v2_dir(mountinfo, proc_cgroup)
    if v2 is not None and (v2 / "cgroup.controllers").exists():
        return CgroupV2.version
    raise ProfileError("no usable cgroup hierarchy (cpu and memory) found",
                       "use --image to run the app through podman instead")


def create_cgroup(limits: Limits, version: str | None = None) -> Cgroup:
    """A fresh cgroup with ``limits`` for the detected (or given) version."""
    version = version or detect_version()
    if version == CgroupV1.version:
        return CgroupV1.create(limits)
    return CgroupV2.create(limits)
