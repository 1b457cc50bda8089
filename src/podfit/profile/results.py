"""Frozen values a profile produces: one measured run per configuration, and the recommendation."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from podfit.core.capacity import HpaSettings, Interval, Reason, Reasons, Recommendation
from podfit.profile.noise import Noise

__all__ = ["HpaSettings", "Interval", "LoadResult", "ProcessMemory", "ProfileResult", "Reason",
           "Reasons", "Recommendation", "RunResult"]


@dataclass(frozen=True)
class LoadResult:
    """What one load phase measured from the client side."""

    mode: str  # "closed" (fixed connections, as fast as possible) or "open" (fixed rate)
    generator: str  # "wrk" or "builtin"
    duration_s: float
    requests: int
    errors: int
    rps: float
    target_rps: float | None
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    connections: int
    generator_cpu_cores: float
    generator_saturated: bool
    app_cpu_cores: float = 0.0  # measured by the sandbox over the same window


@dataclass(frozen=True)
class ProcessMemory:
    """Memory of one process of the app at the end of the capacity phase."""

    pid: int
    role: str  # "master" or "worker"
    rss: int
    pss: int
    uss: int


@dataclass(frozen=True)
class RunResult:
    """One configuration (workers × threads × class × CPU limit) and everything measured on it."""

    workers: int
    threads: int
    worker_class: str
    cpu_limit: float | None
    memory_limit: int | None
    status: str  # "ok", "crashed", "oom", "not-ready", "skipped"
    note: str = ""
    ready_s: float | None = None
    closed: LoadResult | None = None
    open: tuple[LoadResult, ...] = ()
    capacity_rps: float = 0.0  # highest open-loop rate that met the SLO without errors
    cpu_cores_at_capacity: float = 0.0
    cpu_cores: float = 0.0  # during the capacity (closed-loop) phase
    throttled_periods: int = 0
    total_periods: int = 0
    throttled_s: float = 0.0
    memory_peak: int = 0  # cgroup peak over the whole run
    oom_kills: int = 0
    processes: tuple[ProcessMemory, ...] = ()

    @property
    def throttled_ratio(self) -> float:
        return self.throttled_periods / self.total_periods if self.total_periods else 0.0

    @property
    def label(self) -> str:
        return f"{self.workers}w×{self.threads}t {self.worker_class}" + (
            f" @{self.cpu_limit:g}cpu" if self.cpu_limit else "")


@dataclass(frozen=True)
class Entry:
    """One candidate's race: every round's throughput and what the rounds saw."""

    workers: int
    threads: int
    worker_class: str
    cpu_limit: float | None
    samples: tuple[float, ...]
    interval: Interval
    cpu_cores: float
    """Mean app CPU over the rounds."""
    dropped_after: int | None
    """Rounds after which it was dropped (``None``: raced to the end)."""
    startup_peak: int
    """cgroup memory peak from start to ready (imports, preload)."""
    serving_peak: int
    """cgroup memory peak while serving (peak reset once ready)."""
    worker_spread: float
    """Least-busy worker's CPU share × workers (1.0: even; keep-alive makes it uneven)."""
    status: str = "ok"
    note: str = ""

    @property
    def label(self) -> str:
        return f"{self.workers}w×{self.threads}t {self.worker_class}" + (
            f" @{self.cpu_limit:g}cpu" if self.cpu_limit else "")


@dataclass(frozen=True)
class Soak:
    """Memory of the winner over many requests."""

    requests: int
    seconds: float
    growth_per_1k: float
    """Bytes the cgroup grew per 1,000 requests (least squares)."""
    growth_low: float
    growth_high: float
    points: tuple[tuple[int, int], ...]
    """(requests served, cgroup memory) after each soak round."""
    serving_peak: int


@dataclass(frozen=True)
class RaceResult:
    entries: tuple[Entry, ...]
    rounds: int
    noise: Noise
    soak: Soak | None = None
    notes: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class ProfileResult:
    """A whole profile: the runs in order, the recommendation and how the runs were made."""

    runs: tuple[RunResult, ...]
    recommendation: Recommendation | None
    backend: str
    generator: str
    elapsed_s: float
    warnings: tuple[str, ...] = field(default=())
    race: RaceResult | None = None
    """The racing of the search's best candidates and the winner's soak."""
    search: tuple[str, ...] = field(default=())
    """Why the search stopped where it did."""

    def to_json(self) -> dict[str, Any]:
        runs = []
        for run in self.runs:
            data = asdict(run)
            data["throttled_ratio"] = round(run.throttled_ratio, 4)
            runs.append(data)
        return {
            "runs": runs,
            "recommendation": self.recommendation.to_json() if self.recommendation else None,
            "backend": self.backend,
            "generator": self.generator,
            "elapsed_s": round(self.elapsed_s, 2),
            "warnings": list(self.warnings),
            "search": list(self.search),
            "race": _race_json(self.race) if self.race else None,
        }


def _race_json(race: RaceResult) -> dict[str, Any]:
    entries = []
    for entry in race.entries:
        data = asdict(entry)
        iv = data.pop("interval")
        data["capacity_rps"] = {k: round(v, 1) if isinstance(v, float) else v
                                for k, v in iv.items()}
        data["samples"] = [round(v, 1) for v in entry.samples]
        entries.append(data)
    return {"rounds": race.rounds, "entries": entries, "noise": asdict(race.noise),
            "soak": asdict(race.soak) if race.soak else None, "notes": list(race.notes)}
