"""The nouns a Plan is made of: a Decision (with the reason ``--explain`` prints), a
probe and a Workload (one Deployment)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Decision:
    """One choice: what was decided, the value, and why (printed by ``--explain``)."""

    key: str
    value: str
    reason: str



@dataclass(frozen=True)
class Probe:
    path: str
    period: int
    timeout: int
    failures: int
    kind: str = "http"
    """``http`` (httpGet on path), ``grpc`` (the gRPC health service) or ``tcp``."""



@dataclass(frozen=True)
class Workload:
    """One Deployment: the web server or the Celery worker."""

    role: str
    name: str
    command: tuple[str, ...]
    port: int | None
    requests_cpu: str
    requests_memory: str
    limits_cpu: str | None
    limits_memory: str
    hpa_min: int
    hpa_max: int
    hpa_target: int
    scale_down_stabilization: int
    prestop_seconds: int
    shutdown_seconds: int
    """Seconds the process may take after SIGTERM (graceful timeout or task time limit)."""
    grace_period: int
    env: tuple[tuple[str, str], ...]
    probes: dict[str, Probe] = field(default_factory=dict)
    """startup/readiness/liveness; empty for workers without an HTTP health endpoint."""
    protocol: str = "http"
    """``http`` or ``grpc`` (the Service's appProtocol)."""

