"""Facts for the resources, autoscaling and probes rules: indexes built once per check (Services
and PDBs by selector, HPAs and workloads by name), LimitRange defaults, which containers are the
app, and paths for fixes. Indexes keep cross-object rules linear on large inputs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from podfit.check.documents.kubernetes import KubeObject
from podfit.check.facts import container_ports, probe_handler
from podfit.check.project import THIRD_PARTY, Project, Workload
from podfit.core.kube import dig, pod_spec, selector_matches
from podfit.core.yamlsrc import Map

#: Kinds an HPA (or a PDB's replica arithmetic) can scale.
SCALABLE_KINDS = frozenset({"Deployment", "StatefulSet", "ReplicaSet", "ReplicationController",
                            "Rollout"})

#: Sidecar images that are not the app (on top of the project's third-party images).
SIDECARS = THIRD_PARTY | frozenset({
    "cloudsql-proxy", "proxyv2", "istio-proxy", "linkerd-proxy", "fluentd", "fluent-bit",
    "vector", "oauth2-proxy", "statsd-exporter", "statsd_exporter", "node-exporter",
    "datadog-agent", "jaeger-agent", "promtail", "git-sync", "vault", "consul",
    "opentelemetry-collector", "opentelemetry-collector-contrib", "esp", "esp-v2",
    "gce-proxy", "alloy", "memcached-exporter", "redis-exporter", "postgres-exporter"})


#: Dependencies that make a Python app boot slowly (seconds of imports, model or app loading).
HEAVY_IMPORTS = {"django": "Django", "torch": "PyTorch", "tensorflow": "TensorFlow",
                 "transformers": "transformers", "sentence-transformers": "sentence-transformers",
                 "spacy": "spaCy", "keras": "Keras", "jax": "JAX", "vllm": "vLLM"}


def key_line(mapping: object, key: str, default: int) -> int:
    """Line of ``key`` in a parsed mapping, else ``default``."""
    return int(mapping.line_of(key)) if isinstance(mapping, Map) and key in mapping else default


def doc_path(obj: KubeObject, *path: str | int) -> tuple[str | int, ...]:
    """Path from the YAML document root (objects inside ``kind: List`` sit under ``items``)."""
    return ("items", obj.list_item, *path) if obj.list_item is not None else path


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


def running_containers(project: Project, *, all_init: bool = False) -> Iterator[Workload]:
    """App containers and native sidecars of every pod-bearing object (and, with ``all_init``,
    every init container)."""
    for workload in project.workloads(include_init=True):
        if not workload.ref.init or all_init or is_native_sidecar(workload.container):
            yield workload


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


# -- indexes -------------------------------------------------------------------------------------
class SelectorIndex:
    """Objects with label selectors, found from a pod's labels without testing every pair."""

    def __init__(self, project: Project, items: Iterable[tuple[KubeObject, Any]]) -> None:
        self._project = project
        self._by_pair: dict[tuple[str, str], list[tuple[KubeObject, Any]]] = defaultdict(list)
        self._always: list[tuple[KubeObject, Any]] = []
        for obj, selector in items:
            if not isinstance(selector, Mapping):
                continue
            labels = selector.get("matchLabels") if (
                "matchLabels" in selector or "matchExpressions" in selector) else selector
            if isinstance(labels, Mapping) and labels:
                key, value = next(iter(labels.items()))
                self._by_pair[(str(key), str(value))].append((obj, selector))
            else:
                self._always.append((obj, selector))

    def matching(self, labels: Mapping[str, Any], near: KubeObject) -> list[KubeObject]:
        found: list[KubeObject] = []
        candidates = [c for k, v in labels.items() for c in self._by_pair.get((str(k), str(v)),
                                                                              ())]
        for obj, selector in [*candidates, *self._always]:
            if (selector_matches(selector, labels) and self._project.same_namespace(obj, near)
                    and obj not in found):
                found.append(obj)
        return found


def service_index(project: Project) -> SelectorIndex:
    return SelectorIndex(project, ((s, dig(s.data, "spec", "selector"))
                                   for s in project.objects_of("Service")))


def by_name(objects: Iterable[KubeObject]) -> dict[tuple[str, str], list[KubeObject]]:
    """(kind, name) → objects (several when namespaces differ)."""
    index: dict[tuple[str, str], list[KubeObject]] = defaultdict(list)
    for obj in objects:
        index[(obj.kind, obj.name)].append(obj)
    return index


def hpa_index(project: Project) -> dict[tuple[str, str], list[KubeObject]]:
    """(target kind, target name) → HPAs."""
    index: dict[tuple[str, str], list[KubeObject]] = defaultdict(list)
    for hpa in project.objects_of("HorizontalPodAutoscaler"):
        ref = dig(hpa.data, "spec", "scaleTargetRef")
        if isinstance(ref, Mapping):
            index[(str(ref.get("kind", "")), str(ref.get("name", "")))].append(hpa)
    return index


def near(project: Project, objects: Iterable[KubeObject], obj: KubeObject) -> list[KubeObject]:
    return [o for o in objects if project.same_namespace(o, obj)]


def hpa_target_of(project: Project, hpa: KubeObject,
                  workloads: Mapping[tuple[str, str], list[KubeObject]]) -> KubeObject | None:
    ref = dig(hpa.data, "spec", "scaleTargetRef")
    if not isinstance(ref, Mapping):
        return None
    found = near(project, workloads.get((str(ref.get("kind", "")), str(ref.get("name", ""))), []),
                 hpa)
    return found[0] if found else None


def min_replicas(hpa: KubeObject) -> int | None:
    """An HPA's floor (Kubernetes default 1); ``None`` when not a number (templated)."""
    value = dig(hpa.data, "spec", "minReplicas")
    if value is None:
        return 1
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def replica_floor(obj: KubeObject, hpas: list[KubeObject]) -> tuple[int, str] | None:
    """Fewest pods ``obj`` runs, and why: its HPA's minReplicas, else ``replicas`` (default 1)."""
    if obj.kind not in SCALABLE_KINDS:
        return None
    floors = [m for m in (min_replicas(h) for h in hpas) if m is not None]
    if hpas:
        return (min(floors), f"{hpas[0].ref} minReplicas") if floors else None
    value = dig(obj.data, "spec", "replicas")
    if value is None:
        return 1, "replicas (default)"
    if isinstance(value, int) and not isinstance(value, bool):
        return value, "replicas"
    return None


# -- LimitRange defaults -------------------------------------------------------------------------
class LimitRangeDefaults:
    """Which requests/limits a namespace's LimitRanges fill in for containers that omit them."""

    def __init__(self, project: Project) -> None:
        self._project = project
        self._ranges: list[tuple[KubeObject, set[tuple[str, str]]]] = []
        for obj in project.objects_of("LimitRange"):
            provided: set[tuple[str, str]] = set()
            for item in dig(obj.data, "spec", "limits") or []:
                if not isinstance(item, Mapping) or item.get("type", "Container") != "Container":
                    continue
                for resource in item.get("default") or {}:
                    # defaultRequest falls back to default when unset
                    provided |= {("limits", str(resource)), ("requests", str(resource))}
                for resource in item.get("defaultRequest") or {}:
                    provided.add(("requests", str(resource)))
            if provided:
                self._ranges.append((obj, provided))

    def provides(self, obj: KubeObject, field: str, resource: str) -> bool:
        return any((field, resource) in provided and self._project.same_namespace(lr, obj)
                   for lr, provided in self._ranges)


# -- what a container runs -----------------------------------------------------------------------
def runs_python(project: Project, workload: Workload) -> bool | None:
    """True when the container is known to run Python, False when known not to, else None."""
    if is_sidecar(workload.container):
        return False
    server = project.server_for(workload)
    if server is None:
        return "python" in image_name(workload.container) or None
    if server.command.kind != "other":
        return True
    head = server.command.argv[0] if server.command.argv else ""
    return None if head.endswith(".sh") or "python" in image_name(workload.container) else False


def heavy_start(project: Project, workload: Workload) -> str | None:
    """Why the app likely boots slowly (Django, ML libraries), or None."""
    env = {str(e.get("name")) for e in workload.container.get("env") or []
           if isinstance(e, Mapping)}
    if "DJANGO_SETTINGS_MODULE" in env:
        return "Django"
    server = project.server_for(workload)
    if server is not None:
        if server.command.kind == "runserver":
            return "Django"
        app = server.command.option("app") or ""
        if ".wsgi" in app or ".asgi" in app:
            return "Django"
        if "DJANGO_SETTINGS_MODULE" in server.env:
            return "Django"
    names: set[str] = set()
    for req in project.requirements:
        names |= req.names()
    for pyproject in project.pyprojects:
        names |= pyproject.dependencies.names()
    heavy = sorted(names & HEAVY_IMPORTS.keys())
    return HEAVY_IMPORTS[heavy[0]] if heavy else None


# -- probes --------------------------------------------------------------------------------------
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


def plain(value: Any) -> Any:
    """A copy made of plain dicts and lists (what the round-trip YAML writer can dump)."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def pods_of(project: Project) -> list[KubeObject]:
    return [o for o in project.objects if pod_spec(o.data) is not None]


__all__ = [
    "SCALABLE_KINDS", "LimitRangeDefaults", "SelectorIndex", "by_name", "describe_handler",
    "doc_path", "has_limit", "has_request", "heavy_start", "hpa_index", "hpa_target_of",
    "image_name", "is_sidecar", "key_line", "min_replicas", "near", "plain",
    "pods_of", "replica_floor",
    "resolved_handler", "running_containers", "runs_python", "service_index"]
