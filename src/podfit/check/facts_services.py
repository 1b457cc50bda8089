"""Facts for service-discovery and security rules: objects indexed once by namespace (so
Service ↔ pod and monitor ↔ Service links stay linear), port lookups, Prometheus-operator
selectors, and the effective security context of a container with fix paths into it."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from podfit.check.documents.kubernetes import KubeObject
from podfit.check.facts import Port, container_ports
from podfit.check.project import Project, Workload
from podfit.core.kube import (
    containers,
    dig,
    pod_spec,
    pod_spec_path,
    pod_template_labels,
    selector_matches,
)
from podfit.core.models import Fix, FixSafety, YamlEdit
from podfit.core.yamlsrc import Map

MONITORING_GROUP = "monitoring.coreos.com/"


def key_line(node: Any, key: str, default: int) -> int:
    """Line of ``key`` in a parsed mapping, else ``default``."""
    return node.line_of(key) if isinstance(node, Map) and key in node else default


def pod_spec_line(obj: KubeObject) -> int:
    """Line of the ``spec:`` key that holds the pod spec of ``obj``."""
    path = pod_spec_path(obj.data)
    if not path:
        return obj.line
    return key_line(dig(obj.data, *path[:-1]) if len(path) > 1 else obj.data, path[-1],
                    obj.line)


def object_path(obj: KubeObject) -> tuple[str | int, ...]:
    """Path from the document root to ``obj`` (objects inside a ``kind: List`` are items)."""
    return () if obj.list_item is None else ("items", obj.list_item)


def describe(obj: KubeObject) -> str:
    """``Service 'web'`` or ``Service 'web' in namespace 'shop'``."""
    return f"{obj.kind} '{obj.name}'" + (f" in namespace '{obj.namespace}'"
                                         if obj.namespace else "")


def same_namespace(a: str, b: str) -> bool:
    """:meth:`Project.same_namespace` on namespace strings: "" matches any namespace."""
    return not a or not b or a == b


class NamespaceIndex:
    """Objects bucketed by namespace; an object without one matches every namespace, as in
    :meth:`Project.same_namespace` (rendered charts often leave the namespace to ``-n``)."""

    def __init__(self, objects: Iterable[KubeObject]) -> None:
        self.all: list[KubeObject] = list(objects)
        self.by_ns: dict[str, list[KubeObject]] = defaultdict(list)
        self.by_name: dict[str, list[KubeObject]] = defaultdict(list)
        self._explicit: dict[str, list[KubeObject]] = {}
        for obj in self.all:
            self.by_ns[obj.namespace].append(obj)
            self.by_name[obj.name].append(obj)

    def explicit(self, names: str | frozenset[str] | None) -> list[KubeObject]:
        """Objects really in ``names`` (one namespace, several, or ``None`` for all; "" and
        "default" count as one): the gate before calling a link missing, so that a Service
        in namespace ``shop`` is not judged by workloads of unknown namespace."""
        if names is None:
            return self.all
        found: list[KubeObject] = []
        for name in {names} if isinstance(names, str) else names:
            key = "" if name == "default" else name
            if key not in self._explicit:
                self._explicit[key] = self.by_ns.get(key, []) + (
                    self.by_ns.get("default", []) if not key else [])
            found += self._explicit[key]
        return found

    def in_namespaces(self, names: frozenset[str] | None) -> list[KubeObject]:
        """Objects in any of ``names`` (``None``: every namespace)."""
        if names is None:
            return self.all
        found: list[KubeObject] = []
        for name in names:
            found += self.by_ns.get(name, [])
        return found + self.by_ns.get("", [])

    def named(self, name: str, namespace: str) -> KubeObject | None:
        for obj in self.by_name.get(name, []):
            if same_namespace(obj.namespace, namespace):
                return obj
        return None


#: API groups of custom resources that never make pods (monitors, routing, certificates).
PODLESS_GROUPS = ("monitoring.coreos.com", "monitoring.googleapis.com", "cert-manager.io",
                  "istio.io", "keda.sh", "networking.gke.io", "cloud.google.com",
                  "external-secrets.io", "bitnami.com", "traefik.io", "traefik.containo.us",
                  "kustomize.config.k8s.io", "config.kubernetes.io", "linkerd.io")


def is_custom(obj: KubeObject) -> bool:
    """A custom resource that an operator may turn into pods or Services: its API group has
    a dot, is not a Kubernetes one, and is not one known to make neither."""
    group = obj.api_version.rpartition("/")[0]
    return "." in group and not group.endswith(".k8s.io") and not any(
        group == g or group.endswith("." + g) for g in PODLESS_GROUPS)


def templated(value: object) -> bool:
    """An unrendered placeholder (``${VAR}``, ``{{ .Values.x }}``, ``PORT``) we cannot judge."""
    text = str(value)
    return "$" in text or "{{" in text or (text.isupper() and text.isalpha())


def _nested_template_labels(node: Any, depth: int = 0) -> Iterator[Mapping[str, Any]]:
    """Labels of pod templates nested anywhere in a custom resource (JobSet, Argo…)."""
    if depth > 10:
        return
    if isinstance(node, dict):  # parsed YAML: plain dict/list subclasses, fast to test
        spec = node.get("spec")
        meta = node.get("metadata")
        if isinstance(spec, dict) and isinstance(meta, dict) and isinstance(
                spec.get("containers"), list) and isinstance(meta.get("labels"), dict):
            yield meta["labels"]
        for value in node.values():
            if isinstance(value, dict | list):
                yield from _nested_template_labels(value, depth + 1)
    elif isinstance(node, list):
        for item in node:
            if isinstance(item, dict | list):
                yield from _nested_template_labels(item, depth + 1)


_POD_INDEX = re.compile(r"-(\d+)$")

#: Labels Kubernetes derives from an object's name (matched by rule, not by the index).
_DERIVED = frozenset({"statefulset.kubernetes.io/pod-name", "apps.kubernetes.io/pod-index"})


@dataclass(frozen=True)
class _Source:
    """What a selector is matched against, computed once per object."""

    labels: Mapping[str, Any]  # pod template labels, with the ones Jobs add
    nested: tuple[Mapping[str, Any], ...]  # custom resources: nested pod templates
    group: str  # custom resources: API group ("" for workloads)


def _domain_matches(group: str, domain: str) -> bool:
    return group == domain or group.endswith("." + domain) or domain.endswith("." + group)


class PodIndex(NamespaceIndex):
    """Pod-bearing objects (Deployments, Jobs, bare Pods…) and custom resources, whose
    operators may create pods we cannot see; indexed by label, name and API group so that
    matching every Service to its pods stays linear on large inputs."""

    def __init__(self, objects: Iterable[KubeObject]) -> None:
        super().__init__(objects)
        self.sources: dict[int, _Source] = {}
        self.by_label: dict[tuple[str, str], list[KubeObject]] = defaultdict(list)
        self.custom_by_name: dict[str, list[KubeObject]] = defaultdict(list)
        self.custom_by_group: dict[str, list[KubeObject]] = defaultdict(list)
        self._workloads: dict[str, bool] = {}
        self._ports: dict[int, list[Port]] = {}
        for obj in self.all:
            if pod_spec(obj.data) is None:
                nested = tuple(_nested_template_labels(obj.data))
                group = obj.api_version.rpartition("/")[0]
                self.sources[id(obj)] = _Source({}, nested, group)
                self.custom_by_name[obj.name].append(obj)
                self.custom_by_group[group].append(obj)
                for labels in nested:
                    for key, value in labels.items():
                        self.by_label[(str(key), str(value))].append(obj)
                continue
            labels = dict(pod_template_labels(obj.data))
            if obj.kind == "Job":
                labels.setdefault("job-name", obj.name)
                labels.setdefault("batch.kubernetes.io/job-name", obj.name)
            self.sources[id(obj)] = _Source(labels, (), "")
            for key, value in labels.items():
                self.by_label[(str(key), str(value))].append(obj)

    def ports(self, obj: KubeObject) -> list[Port]:
        """The declared container ports of ``obj`` (computed once)."""
        if id(obj) not in self._ports:
            self._ports[id(obj)] = all_ports(obj)
        return self._ports[id(obj)]

    def has_workloads(self, namespace: str) -> bool:
        """Whether real workloads (not custom resources) are explicitly in ``namespace``."""
        key = "" if namespace == "default" else namespace
        if key not in self._workloads:
            self._workloads[key] = any(not self.sources[id(o)].group
                                       for o in self.explicit(key))
        return self._workloads[key]

    def may_select(self, selector: Any, obj: KubeObject, *,
                   label_selector: bool = False) -> bool:
        """Whether a selector (a Service's plain map, or a LabelSelector) can match pods of
        ``obj``, counting the labels Kubernetes adds itself (``job-name``,
        ``statefulset.kubernetes.io/pod-name``) and, for a custom resource, its nested pod
        templates, a selector value equal to its name or a label domain equal to its API
        group (the labels operators such as CloudNativePG or Ray put on their pods)."""
        def matches(labels: Mapping[str, Any]) -> bool:
            return label_selector_matches(selector, labels) if label_selector else \
                selector_matches(selector, labels)

        plain = _plain_labels(selector, label_selector=label_selector)
        source = self.sources[id(obj)]
        if source.group:
            return obj.name in {str(v) for v in plain.values()} or any(
                _domain_matches(source.group, str(k).partition("/")[0])
                for k in plain if "/" in str(k)) or any(
                matches(labels) for labels in source.nested)
        labels = source.labels
        if obj.kind == "StatefulSet" and any(k in plain for k in _DERIVED):
            labels = dict(labels)
            wanted = str(plain.get("statefulset.kubernetes.io/pod-name", ""))
            match = _POD_INDEX.search(wanted)
            if match and wanted[:match.start()] == obj.name:
                labels["statefulset.kubernetes.io/pod-name"] = wanted
            index = str(plain.get("apps.kubernetes.io/pod-index", ""))
            if index.isdecimal():
                labels["apps.kubernetes.io/pod-index"] = index
        return matches(labels)

    def selected(self, selector: Any, namespace: str, *,
                 label_selector: bool = False) -> list[KubeObject]:
        """Objects near ``namespace`` whose pods ``selector`` may match."""
        plain = _plain_labels(selector, label_selector=label_selector)
        key = next((k for k in plain if k not in _DERIVED), None)
        if key is None:
            candidates = self.all
        else:
            candidates = list(self.by_label.get((str(key), str(plain[key])), []))
            for value in {str(v) for v in plain.values()}:
                candidates += self.custom_by_name.get(value, [])
            domains = {str(k).partition("/")[0] for k in plain if "/" in str(k)}
            for group, objs in self.custom_by_group.items():
                if any(_domain_matches(group, d) for d in domains):
                    candidates += objs
        seen: set[int] = set()
        found = []
        for obj in candidates:
            if id(obj) not in seen and same_namespace(obj.namespace, namespace) and \
                    self.may_select(selector, obj, label_selector=label_selector):
                seen.add(id(obj))
                found.append(obj)
        return found


def _plain_labels(selector: Any, *, label_selector: bool) -> Mapping[str, Any]:
    plain = selector.get("matchLabels") if label_selector and isinstance(
        selector, Mapping) else selector
    return plain if isinstance(plain, Mapping) else {}


def pod_objects(project: Project) -> PodIndex:
    """The :class:`PodIndex` of ``project``, built once per run and shared by the rules
    (memoised on the project object, which lives for one run)."""
    cached = project.__dict__.get("_podfit_pod_index")
    if isinstance(cached, PodIndex):
        return cached
    index = PodIndex(o for o in project.objects if pod_spec(o.data) is not None
                     or is_custom(o))
    project.__dict__["_podfit_pod_index"] = index
    return index


def services(project: Project) -> NamespaceIndex:
    return NamespaceIndex(project.objects_of("Service"))


def pods_selected(pods: PodIndex, selector: Any, namespace: str) -> list[KubeObject]:
    """Pod-bearing objects near ``namespace`` whose pods a Service selector may match."""
    return pods.selected(selector, namespace)


def knows_ports(obj: KubeObject) -> bool:
    """Whether the pods' containers are visible (not behind an operator)."""
    return pod_spec(obj.data) is not None


def all_ports(obj: KubeObject) -> list[Port]:
    return [p for ref in containers(obj.data) for p in container_ports(ref.container)]


def declares_ports(obj: KubeObject) -> bool:
    return any(isinstance(ref.container.get("ports"), list) and ref.container["ports"]
               for ref in containers(obj.data))


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


# -- Prometheus operator --------------------------------------------------------------------
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


# -- security contexts -----------------------------------------------------------------------
@dataclass(frozen=True)
class Secured:
    """A container with its own and its pod's ``securityContext`` (empty when unset)."""

    workload: Workload
    pod: Mapping[str, Any]
    container: Mapping[str, Any]

    def effective(self, key: str) -> Any:
        """A field set on the container, else on the pod (the container wins)."""
        return self.container[key] if key in self.container else self.pod.get(key)

    @property
    def label(self) -> str:
        kind = "init container" if self.workload.ref.init else "container"
        return f"{kind} '{self.workload.ref.name}' of {describe(self.workload.obj)}"

    @property
    def line(self) -> int:
        """The container's ``securityContext:`` key, else the container's first line."""
        return self.workload.line_of("securityContext", "name")

    @property
    def pod_line(self) -> int:
        """The pod's ``securityContext:`` key, else the pod spec's ``spec:`` key."""
        return key_line(pod_spec(self.workload.obj.data), "securityContext",
                        pod_spec_line(self.workload.obj))

    def pod_line_of(self, key: str) -> int:
        return key_line(self.pod, key, self.pod_line)

    def line_of(self, key: str) -> int:
        sc = self.workload.container.get("securityContext")
        if isinstance(sc, Mapping) and key in sc and hasattr(sc, "line_of"):
            return int(sc.line_of(key))
        return self.line


def secured_containers(project: Project, *, include_init: bool = True,
                       linux_only: bool = False) -> Iterator[Secured]:
    for workload in project.workloads(include_init=include_init):
        spec = pod_spec(workload.obj.data) or {}
        if linux_only and dig(spec, "os", "name") == "windows":
            continue  # the restricted profile exempts these fields on Windows pods
        pod = spec.get("securityContext")
        own = workload.container.get("securityContext")
        yield Secured(workload, pod if isinstance(pod, Mapping) else {},
                      own if isinstance(own, Mapping) else {})


def nested_edit(document: int, base: tuple[str | int, ...], root: Mapping[str, Any],
                keys: tuple[str, ...], value: object, *, op: str = "set") -> YamlEdit:
    """An edit that sets ``root[keys...] = value``, creating the missing mappings."""
    node: Any = root
    path = base
    for depth, key in enumerate(keys[:-1]):
        child = node.get(key) if isinstance(node, Mapping) else None
        if not isinstance(child, Mapping):
            rest: Any = [value] if op == "append" else value
            for inner in reversed(keys[depth + 1:]):
                rest = {inner: rest}
            return YamlEdit(document, path, key, rest, "setdefault")
        node, path = child, (*path, key)
    return YamlEdit(document, path, keys[-1], value, op)


def container_fix(item: Secured, description: str, keys: tuple[str, ...], value: object,
                  op: str = "set") -> Fix:
    """An unsafe fix that sets ``securityContext.<keys>`` on the container."""
    obj = item.workload.obj
    edit = nested_edit(obj.document, (*object_path(obj), *item.workload.ref.path),
                       item.workload.container, ("securityContext", *keys), value, op=op)
    return Fix(description, FixSafety.UNSAFE, yaml_edits=(edit,))


def pod_fix(obj: KubeObject, description: str, keys: tuple[str, ...], value: object) -> Fix:
    """An unsafe fix that sets ``<keys>`` on the pod spec of ``obj``."""
    spec_path = pod_spec_path(obj.data) or ("spec",)
    edit = nested_edit(obj.document, (*object_path(obj), *spec_path), pod_spec(obj.data) or {},
                       keys, value)
    return Fix(description, FixSafety.UNSAFE, yaml_edits=(edit,))


# -- Ingress ---------------------------------------------------------------------------------
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


_PORT_IN_TEXT = re.compile(r"(?:^|[:=\s])(\d{2,5})(?![\d.])")


def mentioned_ports(project: Project, obj: KubeObject) -> set[int]:
    """Port numbers the containers' servers are told to listen on (``--bind :8000``,
    ``--port``, ``--metrics-bind-address=:8443``, env values), declared or not."""
    found: set[int] = set()
    for ref in containers(obj.data):
        c = ref.container
        texts: list[str] = []
        for key in ("command", "args", "env"):
            items = c.get(key)
            for item in items if isinstance(items, list) else []:
                if key != "env":
                    texts.append(str(item))
                elif isinstance(item, Mapping) and item.get("value") is not None:
                    texts.append(str(item["value"]))
        server = project.server_for(Workload(obj, ref))
        if server is not None:
            texts += [str(server.options.get(k, "")) for k in ("bind", "port")]
        for text in texts:
            found.update(int(m) for m in _PORT_IN_TEXT.findall(text))
    return found
