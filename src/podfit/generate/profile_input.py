"""Read ``podfit profile --format json`` output for ``init --from-profile``, with clear errors."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from podfit.core.errors import InputError
from podfit.core.units import parse_cpu, parse_memory

WORKER_CLASSES = ("sync", "gthread", "uvicorn", "uvicorn_worker", "gevent", "eventlet", "asgi",
                  "celery", "prefork", "threads")


@dataclass(frozen=True)
class Recommendation:
    """The parts of a profile recommendation that ``init`` uses."""

    workers: int
    threads: int
    worker_class: str
    requests_cpu: str
    requests_memory: str
    limits_cpu: str | None
    limits_memory: str
    hpa_min: int
    hpa_max: int
    hpa_target: int
    scale_down_stabilization: int
    reasons: dict[str, str]
    capacity_rps_per_pod: float | None
    source: str


def _need(obj: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str,
          path: str) -> Any:
    if key not in obj:
        raise InputError(f"{path}: {where}.{key} is missing",
                         "pass the JSON written by `podfit profile --format json`")
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, kind):
        raise InputError(f"{path}: {where}.{key} should be {_kind_name(kind)}, got {value!r}",
                         "pass the JSON written by `podfit profile --format json`")
    return value


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join({"int": "an integer", "str": "a string", "dict": "an object",
                        "float": "a number", "NoneType": "null"}.get(k.__name__, k.__name__)
                       for k in kinds)


def _quantity(value: str, parse: Any, where: str, path: str) -> str:
    try:
        if parse(value) <= 0:
            raise ValueError("must be positive")
    except ValueError as exc:
        raise InputError(f"{path}: {where} = {value!r} is not a valid quantity ({exc})",
                         "use Kubernetes quantities such as 500m or 256Mi") from None
    return value


def load_profile(path: Path) -> Recommendation:
    """Parse and validate a profile result; every problem is an ``InputError`` with a hint."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}",
                         "pass the file written by `podfit profile --format json`") from None
    except ValueError as exc:
        raise InputError(f"{path} is not JSON: {exc}",
                         "pass the file written by `podfit profile --format json`") from None
    p = str(path)
    if not isinstance(data, dict):
        raise InputError(f"{p}: expected a JSON object",
                         "pass `podfit profile --format json` output")
    rec = _need(data, "recommendation", dict, "$", p)
    workers = _need(rec, "workers", int, "recommendation", p)
    threads = _need(rec, "threads", int, "recommendation", p)
    if workers < 1 or threads < 1:
        raise InputError(f"{p}: workers and threads must be at least 1",
                         "re-run `podfit profile`; this file looks edited")
    worker_class = _need(rec, "worker_class", str, "recommendation", p)
    requests = _need(rec, "requests", dict, "recommendation", p)
    limits = _need(rec, "limits", dict, "recommendation", p)
    hpa = _need(rec, "hpa", dict, "recommendation", p)
    req_cpu = _quantity(_need(requests, "cpu", str, "recommendation.requests", p), parse_cpu,
                        "requests.cpu", p)
    req_mem = _quantity(_need(requests, "memory", str, "recommendation.requests", p),
                        parse_memory, "requests.memory", p)
    lim_cpu = _need(limits, "cpu", (str, type(None)), "recommendation.limits", p)
    if lim_cpu is not None:
        _quantity(lim_cpu, parse_cpu, "limits.cpu", p)
    lim_mem = _quantity(_need(limits, "memory", str, "recommendation.limits", p), parse_memory,
                        "limits.memory", p)
    if parse_memory(lim_mem) < parse_memory(req_mem):
        raise InputError(f"{p}: limits.memory {lim_mem} is below requests.memory {req_mem}",
                         "a limit below the request is rejected by Kubernetes")
    hpa_min = _need(hpa, "minReplicas", int, "recommendation.hpa", p)
    hpa_max = _need(hpa, "maxReplicas", int, "recommendation.hpa", p)
    target = _need(hpa, "targetCPUUtilizationPercentage", int, "recommendation.hpa", p)
    stab = _need(hpa, "scaleDownStabilizationSeconds", int, "recommendation.hpa", p)
    if not 1 <= hpa_min <= hpa_max:
        raise InputError(f"{p}: hpa.minReplicas {hpa_min} / maxReplicas {hpa_max} are inconsistent",
                         "minReplicas must be at least 1 and at most maxReplicas")
    if not 1 <= target <= 100 or stab < 0:
        raise InputError(f"{p}: hpa target {target}% or stabilization {stab}s out of range",
                         "the target is a percentage (1-100); stabilization is seconds ≥ 0")
    reasons: dict[str, str] = {}
    for item in rec.get("reasons", []) or []:
        if isinstance(item, dict) and isinstance(item.get("field"), str):
            reasons[item["field"]] = str(item.get("reason", ""))
    capacity = rec.get("capacity_rps_per_pod")
    return Recommendation(
        workers, threads, worker_class, req_cpu, req_mem, lim_cpu, lim_mem, hpa_min, hpa_max,
        target, stab, reasons, float(capacity) if isinstance(capacity, int | float) else None,
        path.name)
