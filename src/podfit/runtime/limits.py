"""The CPU quota and memory limit this process really runs under (cgroup v1, v2 or hybrid).

Paths are resolved through ``/proc/self/cgroup`` and ``/proc/self/mountinfo`` (so cgroup
namespaces and nested groups work), every ancestor up to the mount point is read and the
tightest figure wins, and the CPU figure is clamped by the affinity mask. Environment
overrides win over everything. Nothing is cached: call :func:`read_limits` again after an
in-place pod resize (Kubernetes 1.35+).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

#: v1 reports "no limit" as a page-rounded 2**63 - 1; anything this large means unlimited.
V1_UNLIMITED = 2**62
#: Environment variable -> what it overrides.
CPU_ENV = "PODFIT_CPU_LIMIT"
MEMORY_ENV = "PODFIT_MEMORY_LIMIT"

_UNITS = {
    "": 1, "k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12,
    "ki": 2**10, "mi": 2**20, "gi": 2**30, "ti": 2**40,
}


class LimitsError(ValueError):
    """An override in the environment cannot be understood."""


@dataclass(frozen=True)
class Limits:
    """What the pod allows, each figure with where it came from."""

    cpu_limit: float | None
    """Cores usable: the tightest cgroup quota clamped by affinity, or an override; ``None``
    when neither a quota nor an override limits the process (then see ``cpu_count``)."""
    cpu_count: int
    """CPUs in the affinity mask (what ``os.sched_getaffinity`` allows)."""
    cpu_quota: float | None
    """The raw tightest cgroup quota in cores (quota ÷ period), before the affinity clamp and
    any override; ``None`` when no group sets one."""
    memory_limit_bytes: int | None
    """Hard memory limit (v1 ``memory.limit_in_bytes``, v2 ``memory.max``), tightest ancestor."""
    memory_high_bytes: int | None
    """v2 ``memory.high`` (a soft limit that throttles and reclaims), tightest ancestor."""
    cgroup_version: str
    """``v1``, ``v2``, ``hybrid`` (v1 controllers plus a cgroup2 mount) or ``none``."""
    sources: Mapping[str, str] = field(default_factory=dict)
    """Figure name -> where it came from (a file path, an env variable, ``affinity``)."""
    cpu_dir: str | None = None
    """Leaf cgroup directory of the CPU controller (used for ``cpu.stat``)."""
    memory_dir: str | None = None
    """Leaf cgroup directory of the memory controller (used for usage)."""
    cpu_cgroup_version: str | None = None
    memory_cgroup_version: str | None = None

    @property
    def effective_cpus(self) -> float:
        """The CPU figure to size by: the limit, or the affinity count when unlimited."""
        return self.cpu_limit if self.cpu_limit is not None else float(self.cpu_count)


@dataclass(frozen=True)
class _Mount:
    root: str
    point: str
    fstype: str
    superopts: frozenset[str]


def parse_quantity(text: str, *, cpu: bool = False) -> float:
    """Parse ``1.5``, ``500m`` (CPU millicores), ``512Mi``, ``1G`` into a number."""
    value = text.strip()
    try:
        if cpu and value.endswith("m"):
            return float(value[:-1]) / 1000
        digits = value.rstrip("KMGTkmgtiI")
        suffix = value[len(digits):].lower()
        if suffix not in _UNITS:
            raise LimitsError(f"unknown unit in {text!r}")
        return float(digits) * _UNITS[suffix]
    except ValueError as exc:
        if isinstance(exc, LimitsError):
            raise
        raise LimitsError(f"{text!r} is not a quantity (1.5, 500m, 512Mi, 1G)") from None


def _unescape(text: str) -> str:
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        text = text.replace(code, char)
    return text


def parse_mountinfo(text: str) -> list[_Mount]:
    """cgroup mounts from ``/proc/self/mountinfo`` (optional fields end at ``-``)."""
    mounts = []
    for line in text.splitlines():
        fields = line.split(" ")
        if "-" not in fields[6:]:
            continue
        sep = fields.index("-", 6)
        fstype = fields[sep + 1]
        if fstype not in ("cgroup", "cgroup2"):
            continue
        opts = frozenset(fields[sep + 3].split(",")) if len(fields) > sep + 3 else frozenset()
        mounts.append(_Mount(_unescape(fields[3]), _unescape(fields[4]), fstype, opts))
    return mounts


def parse_proc_cgroup(text: str) -> tuple[dict[str, str], str | None]:
    """v1 controller -> path, and the v2 (``0::``) path if present."""
    v1: dict[str, str] = {}
    v2 = None
    for line in text.splitlines():
        parts = line.split(":", 2)  # a path may itself contain ':'
        if len(parts) != 3:
            continue
        hier, controllers, path = parts
        if hier == "0" and controllers == "":
            v2 = path
            continue
        for ctrl in controllers.split(","):
            v1[ctrl] = path
    return v1, v2


def _translate(mount: _Mount, path: str, root: Path) -> Path:
    point = root / mount.point.lstrip("/")
    if mount.root == "/":
        return point / path.lstrip("/")
    if path == mount.root or path.startswith(mount.root.rstrip("/") + "/"):
        return point / path[len(mount.root):].lstrip("/")
    return point  # a cgroup namespace hides the path: the mount point is our group


def cgroup_dirs(mountinfo: str, proc_cgroup: str, controllers: Iterable[str], *,
                root: str | os.PathLike[str] = "/") -> dict[str, Path]:
    """The v1 cgroup directory of each of ``controllers`` the process whose ``mountinfo`` and
    ``/proc/<pid>/cgroup`` texts are given sits in (controllers not mounted are left out)."""
    base = Path(root)
    v1, _ = parse_proc_cgroup(proc_cgroup)
    found: dict[str, Path] = {}
    for mount in parse_mountinfo(mountinfo):
        if mount.fstype != "cgroup":
            continue
        for ctrl in controllers:
            if ctrl in mount.superopts and ctrl in v1 and ctrl not in found:
                found[ctrl] = _translate(mount, v1[ctrl], base)
    return found


def cgroup2_dir(mountinfo: str, proc_cgroup: str, *,
                root: str | os.PathLike[str] = "/") -> Path | None:
    """The process's cgroup2 directory, if a cgroup2 mount and a ``0::`` entry exist."""
    _, v2 = parse_proc_cgroup(proc_cgroup)
    if v2 is None:
        return None
    for mount in parse_mountinfo(mountinfo):
        if mount.fstype == "cgroup2":
            return _translate(mount, v2, Path(root))
    return None


def _ancestors(leaf: Path, top: Path) -> list[Path]:
    """``leaf`` and each parent up to and including ``top``."""
    chain = [leaf]
    current = leaf
    while current != top and top in current.parents:
        current = current.parent
        chain.append(current)
    return chain


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def _v1_cpu(directory: Path) -> float | None:
    quota = _read(directory / "cpu.cfs_quota_us")
    period = _read(directory / "cpu.cfs_period_us")
    if quota is None or period is None:
        return None
    q, p = int(quota), int(period)
    return q / p if q > 0 and p > 0 else None


def _v2_cpu(directory: Path) -> float | None:
    text = _read(directory / "cpu.max")
    if not text:
        return None
    parts = text.split()
    if parts[0] == "max":
        return None
    period = int(parts[1]) if len(parts) > 1 else 100_000
    return int(parts[0]) / period if period > 0 else None


_Reader = Callable[[Path], float | None]


def _v2_bytes(name: str) -> _Reader:
    def reader(directory: Path) -> float | None:
        text = _read(directory / name)
        return None if not text or text == "max" else int(text)

    return reader


def _v1_memory(directory: Path) -> float | None:
    text = _read(directory / "memory.limit_in_bytes")
    if text is None:
        return None
    value = int(text)
    return None if value >= V1_UNLIMITED else value


def _v1_hierarchical(directory: Path) -> float | None:
    text = _read(directory / "memory.stat") or ""
    for line in text.splitlines():
        key, _, value = line.partition(" ")
        if key == "hierarchical_memory_limit":
            number = int(value)
            return None if number >= V1_UNLIMITED else number
    return None


def _tightest(chain: list[Path], reader: _Reader, filename: str,
              ) -> tuple[float | None, str | None]:
    best: float | None = None
    where = None
    for directory in chain:
        value = reader(directory)
        if value is not None and (best is None or value < best):
            best, where = value, str(directory / filename)
    return best, where


@dataclass
class _Controller:
    version: str
    leaf: Path
    chain: list[Path]


def _locate(ctrl: str, mounts: list[_Mount], v1: dict[str, str], v2: str | None,
            root: Path) -> _Controller | None:
    for mount in mounts:
        if mount.fstype == "cgroup" and ctrl in mount.superopts and ctrl in v1:
            leaf = _translate(mount, v1[ctrl], root)
            return _Controller("v1", leaf, _ancestors(leaf, root / mount.point.lstrip("/")))
    if v2 is None:
        return None
    for mount in mounts:
        if mount.fstype != "cgroup2":
            continue
        top = root / mount.point.lstrip("/")
        available = (_read(top / "cgroup.controllers") or "").split()
        if ctrl in available:
            leaf = _translate(mount, v2, root)
            return _Controller("v2", leaf, _ancestors(leaf, top))
    return None


def _affinity() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def _cpu_figure(ctrl: _Controller | None, cpus: int, env: Mapping[str, str],
                sources: dict[str, str]) -> tuple[float | None, float | None]:
    quota: float | None = None
    if ctrl is not None:
        reader, name = ((_v1_cpu, "cpu.cfs_quota_us") if ctrl.version == "v1"
                        else (_v2_cpu, "cpu.max"))
        quota, where = _tightest(ctrl.chain, reader, name)
        if where:
            sources["cpu_limit"] = where
    cpu_limit = quota
    if quota is not None and quota > cpus:
        cpu_limit = float(cpus)
        sources["cpu_limit"] = f"affinity ({cpus} CPUs) < quota {quota:g}"
    if CPU_ENV in env:
        try:
            cpu_limit = parse_quantity(env[CPU_ENV], cpu=True)
        except LimitsError as exc:
            raise LimitsError(f"{CPU_ENV}: {exc}") from None
        if cpu_limit <= 0:
            raise LimitsError(f"{CPU_ENV}={env[CPU_ENV]!r} must be positive")
        sources["cpu_limit"] = f"env {CPU_ENV}"
    if cpu_limit is None:
        sources["cpu_limit"] = f"no quota; affinity {cpus} CPUs"
    return quota, cpu_limit


def _memory_figures(ctrl: _Controller | None, env: Mapping[str, str],
                    sources: dict[str, str]) -> tuple[int | None, int | None]:
    memory: int | None = None
    high: int | None = None
    if ctrl is not None:
        if ctrl.version == "v1":
            value, where = _tightest(ctrl.chain, _v1_memory, "memory.limit_in_bytes")
            hier = _v1_hierarchical(ctrl.leaf)
            if hier is not None and (value is None or hier < value):
                value, where = hier, str(ctrl.leaf / "memory.stat") + " hierarchical"
        else:
            value, where = _tightest(ctrl.chain, _v2_bytes("memory.max"), "memory.max")
            soft, soft_where = _tightest(ctrl.chain, _v2_bytes("memory.high"), "memory.high")
            high = None if soft is None else int(soft)
            if soft_where:
                sources["memory_high_bytes"] = soft_where
        memory = None if value is None else int(value)
        if where:
            sources["memory_limit_bytes"] = where
    if MEMORY_ENV in env:
        try:
            memory = int(parse_quantity(env[MEMORY_ENV]))
        except LimitsError as exc:
            raise LimitsError(f"{MEMORY_ENV}: {exc}") from None
        sources["memory_limit_bytes"] = f"env {MEMORY_ENV}"
    if memory is None:
        sources["memory_limit_bytes"] = "no limit"
    return memory, high


def read_limits(*, root: str | os.PathLike[str] = "/",
                environ: Mapping[str, str] | None = None,
                affinity: int | None = None) -> Limits:
    """Read the limits now. ``root`` points at a fixture tree in tests (``proc/self/…`` and
    the mount points below it); ``environ`` defaults to ``os.environ``."""
    env = os.environ if environ is None else environ
    base = Path(root)
    cpus = affinity if affinity is not None else _affinity()
    mounts = parse_mountinfo(_read(base / "proc/self/mountinfo") or "")
    v1, v2 = parse_proc_cgroup(_read(base / "proc/self/cgroup") or "")
    sources: dict[str, str] = {}

    cpu_ctrl = _locate("cpu", mounts, v1, v2, base)
    mem_ctrl = _locate("memory", mounts, v1, v2, base)

    quota, cpu_limit = _cpu_figure(cpu_ctrl, cpus, env, sources)
    memory, high = _memory_figures(mem_ctrl, env, sources)

    versions = {c.version for c in (cpu_ctrl, mem_ctrl) if c is not None}
    has_v2_mount = any(m.fstype == "cgroup2" for m in mounts)
    has_v1_mount = any(m.fstype == "cgroup" for m in mounts)
    if has_v1_mount and has_v2_mount:
        version = "hybrid"
    elif "v1" in versions or has_v1_mount:
        version = "v1"
    elif has_v2_mount:
        version = "v2"
    else:
        version = "none"
    return Limits(
        cpu_limit=cpu_limit, cpu_count=cpus, cpu_quota=quota, memory_limit_bytes=memory,
        memory_high_bytes=high, cgroup_version=version, sources=sources,
        cpu_dir=str(cpu_ctrl.leaf) if cpu_ctrl else None,
        memory_dir=str(mem_ctrl.leaf) if mem_ctrl else None,
        cpu_cgroup_version=cpu_ctrl.version if cpu_ctrl else None,
        memory_cgroup_version=mem_ctrl.version if mem_ctrl else None,
    )


@dataclass(frozen=True)
class Usage:
    """Counters for the container gauges (``None`` where the controller gives nothing)."""

    throttled_periods: int | None
    periods: int | None
    throttled_seconds: float | None
    memory_bytes: int | None


def read_usage(limits: Limits) -> Usage:
    """CFS throttling and memory use from the leaf groups ``limits`` found."""
    throttled = periods = None
    throttled_s = None
    mem = None
    if limits.cpu_dir:
        stat = dict(
            line.split(" ", 1) for line in (_read(Path(limits.cpu_dir) / "cpu.stat") or "")
            .splitlines() if " " in line)
        if "nr_throttled" in stat:
            throttled = int(stat["nr_throttled"])
            periods = int(stat.get("nr_periods", "0"))
        if "throttled_time" in stat:  # v1: nanoseconds
            throttled_s = int(stat["throttled_time"]) / 1e9
        elif "throttled_usec" in stat:  # v2: microseconds
            throttled_s = int(stat["throttled_usec"]) / 1e6
    if limits.memory_dir:
        name = "memory.usage_in_bytes" if limits.memory_cgroup_version == "v1" else "memory.current"
        text = _read(Path(limits.memory_dir) / name)
        mem = int(text) if text else None
    return Usage(throttled, periods, throttled_s, mem)
