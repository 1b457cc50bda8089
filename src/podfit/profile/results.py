"""Frozen values a profile produces: one measured run per configuration, and the recommendation."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


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
class Reason:
    """Why one recommended figure is what it is."""

    field: str
    value: str
    reason: str


@dataclass(frozen=True)
class HpaSettings:
    """HorizontalPodAutoscaler fields the recommendation proposes (autoscaling/v2 names)."""

    min_replicas: int
    max_replicas: int
    target_cpu_utilization: int
    scale_down_stabilization_s: int
    simulated_violation_ratio: float  # share of simulated time some pod ran above capacity


@dataclass(frozen=True)
class Recommendation:
    """The settings to deploy, each with its reason; quantities are Kubernetes strings."""

    workers: int
    threads: int
    worker_class: str
    cpu_request: str
    cpu_limit: str | None
    memory_request: str
    memory_limit: str
    hpa: HpaSettings
    capacity_rps_per_pod: float
    slo_p99_ms: float
    reasons: tuple[Reason, ...]

    def to_json(self) -> dict[str, Any]:
        """The contract ``podfit init --from-profile`` reads."""
        return {
            "workers": self.workers,
            "threads": self.threads,
            "worker_class": self.worker_class,
            "requests": {"cpu": self.cpu_request, "memory": self.memory_request},
            "limits": {"cpu": self.cpu_limit, "memory": self.memory_limit},
            "hpa": {
                "minReplicas": self.hpa.min_replicas,
                "maxReplicas": self.hpa.max_replicas,
                "targetCPUUtilizationPercentage": self.hpa.target_cpu_utilization,
                "scaleDownStabilizationSeconds": self.hpa.scale_down_stabilization_s,
            },
            "capacity_rps_per_pod": round(self.capacity_rps_per_pod, 1),
            "slo_p99_ms": self.slo_p99_ms,
            "reasons": [asdict(r) for r in self.reasons],
        }


@dataclass(frozen=True)
class ProfileResult:
    """A whole profile: the runs in order, the recommendation and how the runs were made."""

    runs: tuple[RunResult, ...]
    recommendation: Recommendation | None
    backend: str
    generator: str
    elapsed_s: float
    warnings: tuple[str, ...] = field(default=())

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
        }
