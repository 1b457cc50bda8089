"""Workloads and their containers (app, sidecar and init): resources, ports, probes, the
shutdown budget they declare, and paths into them for fixes."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from podfit.check.documents.kubernetes import KubeObject
from podfit.core.kube import POD_SPEC_PATHS, ContainerRef, containers, dig, pod_spec, pod_spec_path
from podfit.core.units import parse_cpu, parse_memory
from podfit.core.yamlsrc import Map

if TYPE_CHECKING:
    from podfit.check.model.model import Model

#: Images that are never built from the user's Dockerfile (databases, proxies, sidecars).
THIRD_PARTY = frozenset({"postgres", "redis", "nginx", "mysql", "mariadb", "memcached", "busybox",
                         "alpine", "rabbitmq", "mongo", "envoy", "haproxy", "traefik", "prometheus",
                         "grafana", "pause", "curl", "cloud-sql-proxy", "otel-collector"})


#: Sidecar images that are not the app (on top of the project's third-party images).
SIDECARS = THIRD_PARTY | frozenset({
    "cloudsql-proxy", "proxyv2", "istio-proxy", "linkerd-proxy", "fluentd", "fluent-bit",
    "vector", "oauth2-proxy", "statsd-exporter", "statsd_exporter", "node-exporter",
    "datadog-agent", "jaeger-agent", "promtail", "git-sync", "vault", "consul",
    "opentelemetry-collector", "opentelemetry-collector-contrib", "esp", "esp-v2",
    "gce-proxy", "alloy", "memcached-exporter", "redis-exporter", "postgres-exporter"})


#: Kinds an HPA (or a PDB's replica arithmetic) can scale.
SCALABLE_KINDS = frozenset({"Deployment", "StatefulSet", "ReplicaSet", "ReplicationController",
                            "Rollout"})


@dataclass(frozen=True, eq=False)
class Workload:
    """A Kubernetes object that runs pods, and one of its containers. Compared by identity:
    the model makes each one once."""

    obj: KubeObject
    ref: ContainerRef

    @property
    def container(self) -> Mapping[str, Any]:
        return self.ref.container

    def line_of(self, *keys: str) -> int:
        """Line of the first of ``keys`` present in the container, else the container's line."""
        c = self.ref.container
        for key in keys:
            if key in c and hasattr(c, "line_of"):
                return int(c.line_of(key))
        return int(getattr(c, "line", self.obj.line))


def key_line(node: object, key: str, default: int) -> int:
    """Line of ``key`` in a parsed mapping, else ``default``."""
    return int(node.line_of(key)) if isinstance(node, Map) and key in node else default


def doc_path(obj: KubeObject, *path: str | int) -> tuple[str | int, ...]:
    """Path from the YAML document root (objects inside ``kind: List`` sit under ``items``)."""
    return ("items", obj.list_item, *path) if obj.list_item is not None else path


def object_path(obj: KubeObject) -> tuple[str | int, ...]:
    """Path from the document root to ``obj`` (objects inside a ``kind: List`` are items)."""
    return () if obj.list_item is None else ("items", obj.list_item)


def pod_spec_line(obj: KubeObject) -> int:
    """Line of the ``spec:`` key that holds the pod spec of ``obj``."""
    path = pod_spec_path(obj.data)
    if not path:
        return obj.line
    return key_line(dig(obj.data, *path[:-1]) if len(path) > 1 else obj.data, path[-1],
                    obj.line)


def describe(obj: KubeObject) -> str:
    """``Service 'web'`` or ``Service 'web' in namespace 'shop'``."""
    return f"{obj.kind} '{obj.name}'" + (f" in namespace '{obj.namespace}'"
                                         if obj.namespace else "")


def templated(value: object) -> bool:
    """An unrendered placeholder (``${VAR}``, ``{{ .Values.x }}``, ``PORT``) we cannot judge."""
    text = str(value)
    return "$" in text or "{{" in text or (text.isupper() and text.isalpha())


def container_name(workload: Workload) -> str:
    return str(workload.container.get("name", "?"))


def yaml_path(workload: Workload, *rest: str | int) -> tuple[str | int, ...]:
    """Path of ``rest`` inside the workload's container, from the YAML document root."""
    prefix: tuple[str | int, ...] = () if workload.obj.list_item is None else (
        "items", workload.obj.list_item)
    return (*prefix, *workload.ref.path, *rest)


def pod_spec_yaml_path(obj: KubeObject) -> tuple[str | int, ...]:
    prefix: tuple[str | int, ...] = () if obj.list_item is None else ("items", obj.list_item)
    return (*prefix, *POD_SPEC_PATHS.get(obj.kind, ()))


def container_env_line(workload: Workload, name: str) -> int | None:
    """Line of env var ``name`` in a container, if set there."""
    env = workload.container.get("env")
    if not isinstance(env, list):
        return None
    for index, item in enumerate(env):
        if isinstance(item, Mapping) and item.get("name") == name:
            return int(env.item_lines[index]) if hasattr(env, "item_lines") else None
    return None


def image_name(container: Mapping[str, Any]) -> str:
    """Short image name: ``gcr.io/x/cloud-sql-proxy:2.1@sha256:…`` → ``cloud-sql-proxy``."""
    image = str(container.get("image", "")).split("@", 1)[0]
    last = image.rsplit("/", 1)[-1]
    return last.split(":", 1)[0]


def is_sidecar(container: Mapping[str, Any]) -> bool:
    return image_name(container) in SIDECARS


def is_native_sidecar(container: Mapping[str, Any]) -> bool:
    """An init container with ``restartPolicy: Always`` runs beside the app (K8s ≥ 1.29)."""
    return container.get("restartPolicy") == "Always"


def running_containers(model: Model, *, all_init: bool = False) -> Iterator[Workload]:
    """App containers and native sidecars of every pod-bearing object (and, with ``all_init``,
    every init container)."""
    for workload in model.workloads(include_init=True):
        if not workload.ref.init or all_init or is_native_sidecar(workload.container):
            yield workload


def serving_workloads(model: Model) -> Iterator[Workload]:
    """Containers of long-running workloads (not Jobs/CronJobs)."""
    from podfit.core.kube import SERVING_KINDS

    for workload in model.workloads():
        if workload.obj.kind in SERVING_KINDS:
            yield workload


# -- resources -----------------------------------------------------------------------------


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


def has_request(container: Mapping[str, Any], resource: str) -> bool:
    """Whether a request is written, or a limit Kubernetes copies into it (values that do not
    parse, e.g. templates, count as written)."""
    if _templated_resources(container):
        return True
    return any(dig(container, "resources", field, resource) is not None
               for field in ("requests", "limits"))


def has_limit(container: Mapping[str, Any], resource: str) -> bool:
    return _templated_resources(container) or dig(
        container, "resources", "limits", resource) is not None


def _templated_resources(container: Mapping[str, Any]) -> bool:
    """``resources: ${RESOURCES}`` and the like: filled in at deploy time, so not missing."""
    value = container.get("resources")
    return isinstance(value, str) and bool(value.strip())


# -- ports -------------------------------------------------------------------------------------


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


def knows_ports(obj: KubeObject) -> bool:
    """Whether the pods' containers are visible (not behind an operator)."""
    return pod_spec(obj.data) is not None


def all_ports(obj: KubeObject) -> list[Port]:
    return [p for ref in containers(obj.data) for p in container_ports(ref.container)]


def declares_ports(obj: KubeObject) -> bool:
    return any(isinstance(ref.container.get("ports"), list) and ref.container["ports"]
               for ref in containers(obj.data))


# -- shutdown ----------------------------------------------------------------------------------


DEFAULT_GRACE = 30


def grace_period(obj: KubeObject) -> tuple[int, int | None]:
    """``terminationGracePeriodSeconds`` of the pods (default 30) and its line if written."""
    spec = pod_spec(obj.data)
    if spec is None:
        return DEFAULT_GRACE, None
    value = spec.get("terminationGracePeriodSeconds")
    if isinstance(value, int) and not isinstance(value, bool):
        line_of = getattr(spec, "line_of", None)
        return value, int(line_of("terminationGracePeriodSeconds")) if line_of else None
    return DEFAULT_GRACE, None


_SLEEP = re.compile(r"(?:^|[;&|]\s*|\s)sleep\s+(\d+)")


def prestop(container: Mapping[str, Any]) -> Mapping[str, Any] | None:
    hook = dig(container, "lifecycle", "preStop")
    return hook if isinstance(hook, Mapping) else None


def prestop_sleep(container: Mapping[str, Any]) -> int:
    """Seconds the preStop hook sleeps (native ``sleep`` action or an exec ``sleep N``)."""
    hook = prestop(container)
    if hook is None:
        return 0
    seconds = dig(hook, "sleep", "seconds")
    if isinstance(seconds, int) and not isinstance(seconds, bool):
        return seconds
    command = dig(hook, "exec", "command")
    if isinstance(command, list):
        match = _SLEEP.search(" " + " ".join(str(c) for c in command))
        if match:
            return int(match.group(1))
    return 0


def _items(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def on_scratch_volume(workload: Workload, path: str) -> bool:
    """Whether ``path`` lies on a writable emptyDir mount of the container, or /dev/shm."""
    if path == "/dev/shm" or path.startswith("/dev/shm/") or "$(" in path:
        return True
    spec = pod_spec(workload.obj.data) or {}
    volumes = {str(v.get("name")): v for v in _items(spec.get("volumes"))
               if isinstance(v, Mapping)}
    for mount in _items(workload.container.get("volumeMounts")):
        if not isinstance(mount, Mapping) or mount.get("readOnly") is True:
            continue
        base = str(mount.get("mountPath", "")).rstrip("/")
        if base and (path.rstrip("/") == base or path.startswith(base + "/")):
            return "emptyDir" in volumes.get(str(mount.get("name")), {})
    return False


def plain(value: Any) -> Any:
    """A copy made of plain dicts and lists (what the round-trip YAML writer can dump)."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
