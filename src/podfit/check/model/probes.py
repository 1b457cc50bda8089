"""Probes: handlers, timings with Kubernetes defaults, and handlers compared with named
ports resolved."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from podfit.check.model.workloads import container_ports


def probe(container: Mapping[str, Any], kind: str) -> Mapping[str, Any] | None:
    """``kind`` is ``liveness``, ``readiness`` or ``startup``."""
    value = container.get(f"{kind}Probe")
    return value if isinstance(value, Mapping) else None


def probe_handler(probe_spec: Mapping[str, Any]) -> tuple[str, Any] | None:
    """The probe's handler as a comparable value: (type, details)."""
    for kind in ("httpGet", "tcpSocket", "grpc", "exec"):
        handler = probe_spec.get(kind)
        if isinstance(handler, Mapping):
            if kind == "httpGet":
                return kind, (handler.get("path", "/"), str(handler.get("port")),
                              handler.get("scheme", "HTTP"))
            if kind == "exec":
                return kind, tuple(str(c) for c in handler.get("command") or [])
            if kind == "grpc":
                return kind, (str(handler.get("port")), handler.get("service", ""))
            return kind, (str(handler.get("port")),)
    return None


#: Kubernetes defaults for probe timing fields.
PROBE_DEFAULTS = {"initialDelaySeconds": 0, "periodSeconds": 10, "timeoutSeconds": 1,
                  "successThreshold": 1, "failureThreshold": 3}


def probe_timing(probe_spec: Mapping[str, Any]) -> dict[str, int]:
    timing = {}
    for key, default in PROBE_DEFAULTS.items():
        value = probe_spec.get(key, default)
        timing[key] = value if isinstance(value, int) and not isinstance(value, bool) else default
    return timing


def resolved_handler(container: Mapping[str, Any],
                     spec: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """A probe's handler with named ports resolved to numbers, for comparisons."""
    handler = probe_handler(spec)
    if handler is None:
        return None
    kind, details = handler
    if kind in {"httpGet", "tcpSocket", "grpc"}:
        names = {p.name: str(p.number) for p in container_ports(container) if p.name}
        port = details[0] if kind != "httpGet" else details[1]
        port = names.get(port, port)
        details = (details[0], port, *details[2:]) if kind == "httpGet" else (port, *details[1:])
    return kind, details


def describe_handler(spec: Mapping[str, Any]) -> str:
    for kind in ("httpGet", "tcpSocket", "grpc", "exec"):
        handler = spec.get(kind)
        if isinstance(handler, Mapping):
            if kind == "httpGet":
                return f"GET {handler.get('path', '/')} on port {handler.get('port')}"
            if kind == "exec":
                return "exec " + " ".join(str(c) for c in handler.get("command") or [])
            return f"{kind} on port {handler.get('port')}"
    return "no handler"
