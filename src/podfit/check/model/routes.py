"""What routes traffic and scrapes to pods: Service ports, Ingress and Gateway API backends,
and the Prometheus-operator monitors' selectors (the pod index itself is in ``links``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from podfit.check.documents.kubernetes import KubeObject
from podfit.core.kube import dig, selector_matches

MONITORING_GROUP = "monitoring.coreos.com/"


def service_ports(service: KubeObject) -> list[Mapping[str, Any]]:
    ports = dig(service.data, "spec", "ports")
    return [p for p in ports if isinstance(p, Mapping)] if isinstance(ports, list) else []


def service_has_port(service: KubeObject, ref: object) -> bool:
    """Whether ``ref`` (a number, or a name) is one of the Service's ``port``s."""
    for port in service_ports(service):
        if isinstance(ref, int) and port.get("port") == ref:
            return True
        if isinstance(ref, str) and ((ref.isdecimal() and port.get("port") == int(ref))
                                     or port.get("name") == ref):
            return True
    return False


def is_monitor(obj: KubeObject, kind: str) -> bool:
    return obj.kind == kind and obj.api_version.startswith(MONITORING_GROUP)


def monitor_namespaces(monitor: KubeObject) -> frozenset[str] | None:
    """Namespaces a ServiceMonitor/PodMonitor looks in (``None``: all of them)."""
    selector = dig(monitor.data, "spec", "namespaceSelector")
    if isinstance(selector, Mapping):
        if selector.get("any") is True:
            return None
        names = selector.get("matchNames")
        if isinstance(names, list) and names:
            return frozenset(str(n) for n in names)
    return frozenset({monitor.namespace}) if monitor.namespace else None


def label_selector_matches(selector: Any, labels: Mapping[str, Any]) -> bool:
    """Kubernetes LabelSelector semantics: an empty selector selects everything."""
    if selector is None or (isinstance(selector, Mapping) and not any(
            selector.get(k) for k in ("matchLabels", "matchExpressions"))):
        return True
    if not isinstance(selector, Mapping):
        return False
    return selector_matches({k: v for k, v in selector.items()
                             if k in ("matchLabels", "matchExpressions")}, labels)


def object_labels(obj: KubeObject) -> Mapping[str, Any]:
    labels = dig(obj.data, "metadata", "labels")
    return labels if isinstance(labels, Mapping) else {}


@dataclass(frozen=True)
class Backend:
    """A Service an Ingress routes to (``networking.k8s.io/v1`` or legacy shape)."""

    service: str
    port: int | str | None
    line: int
    port_line: int


def _backend(backend: Any) -> Backend | None:
    if not isinstance(backend, Mapping):
        return None
    line = int(getattr(backend, "line", 0))
    service = backend.get("service")
    if isinstance(service, Mapping) and service.get("name"):  # networking.k8s.io/v1
        port = service.get("port")
        ref = None
        port_line = line
        if isinstance(port, Mapping):
            ref = port.get("number", port.get("name"))
            port_line = int(getattr(port, "line", line))
        name_line = service.line_of("name") if hasattr(service, "line_of") else line
        return Backend(str(service["name"]), ref, name_line, port_line)
    if backend.get("serviceName"):  # extensions/v1beta1, networking.k8s.io/v1beta1
        port_line = backend.line_of("servicePort") if hasattr(backend, "line_of") else line
        return Backend(str(backend["serviceName"]), backend.get("servicePort"),
                       backend.line_of("serviceName") if hasattr(backend, "line_of") else line,
                       port_line)
    return None  # a `resource:` backend, or nothing we can follow


def ingress_backends(ingress: KubeObject) -> Iterator[Backend]:
    spec = ingress.data.get("spec")
    if not isinstance(spec, Mapping):
        return
    for key in ("defaultBackend", "backend"):
        found = _backend(spec.get(key))
        if found:
            yield found
    for rule in spec.get("rules") or []:
        paths = dig(rule, "http", "paths")
        for path in paths if isinstance(paths, list) else []:
            found = _backend(dig(path, "backend"))
            if found:
                yield found


def _backend_names(node: object) -> Iterator[str]:
    """Service names in an Ingress (``service.name``, legacy ``serviceName``) or a Gateway
    API route (``backendRefs[].name``)."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key == "service" and isinstance(value, Mapping) and value.get("name"):
                yield str(value["name"])
            elif key == "serviceName" and isinstance(value, str):
                yield value
            elif key == "backendRefs" and isinstance(value, list):
                for ref in value:
                    if isinstance(ref, Mapping) and ref.get("name") and ref.get(
                            "kind", "Service") == "Service":
                        yield str(ref["name"])
            else:
                yield from _backend_names(value)
    elif isinstance(node, list):
        for item in node:
            yield from _backend_names(item)
