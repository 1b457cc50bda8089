"""The capacity contract: the recommendation ``podfit profile`` writes and ``podfit init
--from-profile`` (and ``recommend``) read. One dataclass, one JSON schema, one parser."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from podfit.core.errors import InputError
from podfit.core.units import parse_cpu, parse_memory

_HINT = "pass the JSON written by `podfit profile --format json`"

#: JSON Schema (draft 2020-12) of the ``recommendation`` object; ``from_json`` enforces it
#: with messages a user can act on, and a test validates profile output against it.
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "podfit profile recommendation",
    "type": "object",
    "required": ["workers", "threads", "worker_class", "requests", "limits", "hpa"],
    "properties": {
        "workers": {"type": "integer", "minimum": 1},
        "threads": {"type": "integer", "minimum": 1},
        "worker_class": {"type": "string"},
        "requests": {"type": "object", "required": ["cpu", "memory"], "properties": {
            "cpu": {"type": "string"}, "memory": {"type": "string"}}},
        "limits": {"type": "object", "required": ["cpu", "memory"], "properties": {
            "cpu": {"type": ["string", "null"]}, "memory": {"type": "string"}}},
        "hpa": {"type": "object", "required": [
            "minReplicas", "maxReplicas", "targetCPUUtilizationPercentage",
            "scaleDownStabilizationSeconds"], "properties": {
            "minReplicas": {"type": "integer", "minimum": 1},
            "maxReplicas": {"type": "integer", "minimum": 1},
            "targetCPUUtilizationPercentage": {"type": "integer", "minimum": 1, "maximum": 100},
            "scaleDownStabilizationSeconds": {"type": "integer", "minimum": 0}}},
        "capacity_rps_per_pod": {"type": ["number", "null"]},
        "capacity_rps": {"type": ["object", "null"], "required": ["value", "low", "high",
                                                                  "repeats"],
                         "properties": {"value": {"type": "number"}, "low": {"type": "number"},
                                        "high": {"type": "number"},
                                        "repeats": {"type": "integer", "minimum": 0}}},
        "max_requests": {"type": ["integer", "null"], "minimum": 1},
        "max_requests_jitter": {"type": ["integer", "null"], "minimum": 0},
        "slo_p99_ms": {"type": ["number", "null"]},
        "reasons": {"type": "array", "items": {"type": "object", "required": ["field"]}},
    },
}


@dataclass(frozen=True)
class Reason:
    """Why one recommended figure is what it is."""

    field: str
    value: str
    reason: str


class Reasons(tuple[Reason, ...]):
    """The reasons in report order, looked up by field."""

    __slots__ = ()

    def get(self, name: str, default: str) -> str:
        """The reason given for ``name``, or ``default`` when there is none."""
        return next((r.reason for r in self if r.field == name), default)


@dataclass(frozen=True)
class Interval:
    """A measured value with its confidence interval (``repeats`` samples behind it)."""

    value: float
    low: float
    high: float
    repeats: int


@dataclass(frozen=True)
class HpaSettings:
    """HorizontalPodAutoscaler fields the recommendation proposes (autoscaling/v2 names)."""

    min_replicas: int
    max_replicas: int
    target_cpu_utilization: int
    scale_down_stabilization_s: int
    simulated_violation_ratio: float = 0.0  # share of simulated time a pod ran above capacity


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
    capacity_rps_per_pod: float | None
    slo_p99_ms: float | None
    reasons: Reasons = field(default_factory=Reasons)
    capacity: Interval | None = None
    """Throughput the racing measured for this configuration, with its interval."""
    max_requests: int | None = None
    """gunicorn ``--max-requests`` when the soak saw memory grow; ``None`` otherwise."""
    max_requests_jitter: int | None = None
    source: str = "podfit profile"
    """Where the recommendation came from (a file name once read back)."""

    def __post_init__(self) -> None:
        if not isinstance(self.reasons, Reasons):  # a plain tuple or list from a caller
            object.__setattr__(self, "reasons", Reasons(self.reasons))

    def to_json(self) -> dict[str, Any]:
        """The ``recommendation`` object of ``podfit profile --format json`` (``SCHEMA``)."""
        cap = self.capacity
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
            "capacity_rps_per_pod": (round(self.capacity_rps_per_pod, 1)
                                     if self.capacity_rps_per_pod is not None else None),
            "capacity_rps": ({"value": round(cap.value, 1), "low": round(cap.low, 1),
                              "high": round(cap.high, 1), "repeats": cap.repeats}
                             if cap else None),
            "max_requests": self.max_requests,
            "max_requests_jitter": self.max_requests_jitter,
            "slo_p99_ms": self.slo_p99_ms,
            "reasons": [{"field": r.field, "value": r.value, "reason": r.reason}
                        for r in self.reasons],
        }


def _need(obj: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if key not in obj:
        raise InputError(f"{where}.{key} is missing", _HINT)
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, kind):
        raise InputError(f"{where}.{key} should be {_kind_name(kind)}, got {value!r}", _HINT)
    return value


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join({"int": "an integer", "str": "a string", "dict": "an object",
                        "float": "a number", "NoneType": "null"}.get(k.__name__, k.__name__)
                       for k in kinds)


def _quantity(value: str, parse: Any, where: str) -> str:
    try:
        if parse(value) <= 0:
            raise ValueError("must be positive")
    except ValueError as exc:
        raise InputError(f"{where} = {value!r} is not a valid quantity ({exc})",
                         "use Kubernetes quantities such as 500m or 256Mi") from None
    return value


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) \
        else None


def _interval(value: object) -> Interval | None:
    if not isinstance(value, dict):
        return None
    where = "recommendation.capacity_rps"
    low, mid, high = (float(_need(value, k, (int, float), where)) for k in ("low", "value",
                                                                            "high"))
    return Interval(mid, low, high, _need(value, "repeats", int, where))


def from_json(rec: object, source: str = "podfit profile") -> Recommendation:
    """Validate a ``recommendation`` object; every problem is an ``InputError`` with a hint
    (messages name the JSON path, e.g. ``recommendation.workers is missing``)."""
    if not isinstance(rec, dict):
        raise InputError("recommendation should be an object", _HINT)
    w = "recommendation"
    workers, threads = _need(rec, "workers", int, w), _need(rec, "threads", int, w)
    if workers < 1 or threads < 1:
        raise InputError("workers and threads must be at least 1",
                         "re-run `podfit profile`; this file looks edited")
    worker_class = _need(rec, "worker_class", str, w)
    requests, limits = _need(rec, "requests", dict, w), _need(rec, "limits", dict, w)
    hpa = _need(rec, "hpa", dict, w)
    req_cpu = _quantity(_need(requests, "cpu", str, f"{w}.requests"), parse_cpu,
                        "requests.cpu")
    req_mem = _quantity(_need(requests, "memory", str, f"{w}.requests"), parse_memory,
                        "requests.memory")
    lim_cpu = _need(limits, "cpu", (str, type(None)), f"{w}.limits")
    if lim_cpu is not None:
        _quantity(lim_cpu, parse_cpu, "limits.cpu")
    lim_mem = _quantity(_need(limits, "memory", str, f"{w}.limits"), parse_memory,
                        "limits.memory")
    if parse_memory(lim_mem) < parse_memory(req_mem):
        raise InputError(f"limits.memory {lim_mem} is below requests.memory {req_mem}",
                         "a limit below the request is rejected by Kubernetes")
    names = ("minReplicas", "maxReplicas", "targetCPUUtilizationPercentage",
             "scaleDownStabilizationSeconds")
    low, high, target, stab = (_need(hpa, k, int, f"{w}.hpa") for k in names)
    if not 1 <= low <= high:
        raise InputError(f"hpa.minReplicas {low} / maxReplicas {high} are inconsistent",
                         "minReplicas must be at least 1 and at most maxReplicas")
    if not 1 <= target <= 100 or stab < 0:
        raise InputError(f"hpa target {target}% or stabilization {stab}s out of range",
                         "the target is a percentage (1-100); stabilization is seconds ≥ 0")
    reasons = Reasons(Reason(item["field"], str(item.get("value", "")),
                             str(item.get("reason", "")))
                      for item in rec.get("reasons") or []
                      if isinstance(item, dict) and isinstance(item.get("field"), str))
    max_requests = rec.get("max_requests")
    jitter = rec.get("max_requests_jitter")
    return Recommendation(
        workers=workers, threads=threads, worker_class=worker_class, cpu_request=req_cpu,
        cpu_limit=lim_cpu, memory_request=req_mem, memory_limit=lim_mem,
        hpa=HpaSettings(low, high, target, stab),
        capacity_rps_per_pod=_number(rec.get("capacity_rps_per_pod")),
        slo_p99_ms=_number(rec.get("slo_p99_ms")), reasons=reasons,
        capacity=_interval(rec.get("capacity_rps")),
        max_requests=max_requests if isinstance(max_requests, int) and max_requests > 0
        else None,
        max_requests_jitter=jitter if isinstance(jitter, int) and jitter >= 0 else None,
        source=source)


def load(path: Path) -> Recommendation:
    """Read a ``podfit profile --format json`` file; errors are ``InputError`` naming it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}", _HINT) from None
    except ValueError as exc:
        raise InputError(f"{path} is not JSON: {exc}", _HINT) from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a JSON object", _HINT)
    if "recommendation" not in data:
        raise InputError(f"{path}: $.recommendation is missing", _HINT)
    try:
        return from_json(data["recommendation"], path.name)
    except InputError as exc:
        raise InputError(f"{path}: {exc.message}", exc.hint) from None

