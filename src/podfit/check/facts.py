"""Facts rules ask about Kubernetes objects: resources, ports, probes, and which HPA, Service,
PDB or Ingress relates to which workload. Shared here so no rule re-derives them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from podfit.check.documents.kubernetes import KubeObject
from podfit.check.project import Project, Workload
from podfit.core.kube import containers, dig, pod_spec, pod_template_labels, selector_matches
from podfit.core.units import parse_cpu, parse_memory


@dataclass(frozen=True)
class Resources:
    """Requests and limits of a container; ``None`` where unset or unparsable."""

    cpu_request: float | None
    cpu_limit: float | None
    memory_request: int | None
    memory_limit: int | None


def _quantity(value: object, parse: Any) -> Any:
    if value is None:
        return None
    try:
        return parse(value)
    except ValueError:
        return None


def resources(container: Mapping[str, Any]) -> Resources:
    res = container.get("resources")
    res = res if isinstance(res, Mapping) else {}
    requests = res.get("requests") if isinstance(res.get("requests"), Mapping) else {}
    limits = res.get("limits") if isinstance(res.get("limits"), Mapping) else {}
    assert isinstance(requests, Mapping)
    assert isinstance(limits, Mapping)
    cpu_request = requests.get("cpu", limits.get("cpu"))  # Kubernetes defaults request = limit
    memory_request = requests.get("memory", limits.get("memory"))
    return Resources(_quantity(cpu_request, parse_cpu), _quantity(limits.get("cpu"), parse_cpu),
                     _quantity(memory_request, parse_memory),
                     _quantity(limits.get("memory"), parse_memory))


def cpu_allowance(container: Mapping[str, Any]) -> float | None:
    """The CPU a container can count on using: its limit, else its request."""
    res = resources(container)
    return res.cpu_limit if res.cpu_limit is not None else res.cpu_request


@dataclass(frozen=True)
class Port:
    number: int | None
    name: str | None
    protocol: str


def container_ports(container: Mapping[str, Any]) -> list[Port]:
    ports = []
    items = container.get("ports")
    for item in items if isinstance(items, list) else []:  # a malformed value is no port
        if isinstance(item, Mapping):
            number = item.get("containerPort")
            ports.append(Port(number if isinstance(number, int) else None,
                              str(item["name"]) if item.get("name") else None,
                              str(item.get("protocol", "TCP"))))
    return ports


def port_matches(ref: object, ports: list[Port]) -> bool:
    """Whether a port reference (number or name) names one of ``ports``."""
    if isinstance(ref, int):
        return any(p.number == ref for p in ports)
    if isinstance(ref, str):
        if ref.isdecimal():
            return any(p.number == int(ref) for p in ports)
        return any(p.name == ref for p in ports)
    return False


def pod_ports(obj: KubeObject) -> list[Port]:
    return [p for ref in containers(obj.data, include_init=False)
            for p in container_ports(ref.container)]


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


def hpa_target(project: Project, hpa: KubeObject) -> KubeObject | None:
    ref = dig(hpa.data, "spec", "scaleTargetRef")
    if not isinstance(ref, Mapping):
        return None
    for obj in project.objects:
        if obj.kind == ref.get("kind") and obj.name == ref.get("name") and \
                project.same_namespace(obj, hpa):
            return obj
    return None


def hpas_for(project: Project, workload: KubeObject) -> list[KubeObject]:
    return [h for h in project.objects_of("HorizontalPodAutoscaler")
            if dig(h.data, "spec", "scaleTargetRef", "name") == workload.name
            and dig(h.data, "spec", "scaleTargetRef", "kind") == workload.kind
            and project.same_namespace(h, workload)]


def services_for(project: Project, workload: KubeObject) -> list[KubeObject]:
    """Services whose selector matches the workload's pod labels."""
    labels = pod_template_labels(workload.data)
    return [s for s in project.objects_of("Service")
            if selector_matches(dig(s.data, "spec", "selector"), labels)
            and project.same_namespace(s, workload)]


def pdbs_for(project: Project, workload: KubeObject) -> list[KubeObject]:
    labels = pod_template_labels(workload.data)
    return [p for p in project.objects_of("PodDisruptionBudget")
            if selector_matches(dig(p.data, "spec", "selector"), labels)
            and project.same_namespace(p, workload)]


def workloads_selected_by(project: Project, selector: Any, near: KubeObject) -> list[KubeObject]:
    return [o for o in project.objects if pod_spec(o.data) is not None
            and selector_matches(selector, pod_template_labels(o.data))
            and project.same_namespace(o, near)]


def serving_workloads(project: Project) -> Iterator[Workload]:
    """Containers of long-running workloads (not Jobs/CronJobs)."""
    from podfit.core.kube import SERVING_KINDS

    for workload in project.workloads():
        if workload.obj.kind in SERVING_KINDS:
            yield workload
