"""How Kubernetes objects relate: ONE pod index (Services, PDBs and monitors ↔ pods, with the
labels Kubernetes adds to Job and StatefulSet pods), HPA ↔ target, Ingress backends, LimitRange
defaults. One namespace rule (``same_namespace``) and one scope rule (objects relate only within
their unit, see :mod:`podfit.check.model.scope`). Everything is indexed once per run, so no
relation scans every object per object."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from podfit.check.documents.kubernetes import KubeObject
from podfit.check.model.routes import _backend_names, label_selector_matches
from podfit.check.model.scope import Scope
from podfit.check.model.workloads import SCALABLE_KINDS, Port, all_ports
from podfit.core.kube import dig, pod_template_labels, selector_matches

if TYPE_CHECKING:
    from podfit.check.model.model import Model


def same_namespace(a: str, b: str) -> bool:
    """The one namespace rule: an object without a namespace (rendered charts often leave it
    to ``kubectl -n``) is near every namespace; otherwise namespaces must be equal."""
    return not a or not b or a == b


class NamespaceIndex:
    """Objects of one unit bucketed by namespace and name (in input order)."""

    def __init__(self, objects: Iterable[KubeObject]) -> None:
        self.all: list[KubeObject] = list(objects)
        self.by_ns: dict[str, list[KubeObject]] = defaultdict(list)
        self.by_name: dict[str, list[KubeObject]] = defaultdict(list)
        self._position = {id(obj): i for i, obj in enumerate(self.all)}
        for obj in self.all:
            self.by_ns[obj.namespace].append(obj)
            self.by_name[obj.name].append(obj)

    def near(self, namespace: str) -> list[KubeObject]:
        """Objects :func:`same_namespace` as ``namespace``, in input order."""
        if not namespace:
            return self.all
        own, unset = self.by_ns.get(namespace, []), self.by_ns.get("", [])
        if not own or not unset:
            return own or unset
        return sorted(own + unset, key=lambda o: self._position[id(o)])

    def explicit(self, names: str | frozenset[str] | None) -> list[KubeObject]:
        """Objects really in ``names`` (one namespace, several, or ``None`` for all; "" and
        "default" count as one): the gate before calling a link missing, so that a Service
        in namespace ``shop`` is not judged by workloads of unknown namespace."""
        if names is None:
            return self.all
        found: list[KubeObject] = []
        for name in {names} if isinstance(names, str) else names:
            key = "" if name == "default" else name
            found += self.by_ns.get(key, []) + (self.by_ns.get("default", []) if not key else [])
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
    """Pod-bearing objects (Deployments, StatefulSets, Jobs, bare Pods…) and custom resources,
    whose operators may create pods we cannot see; indexed by label, name and API group so
    that matching every selector to its pods stays linear on large inputs."""

    def __init__(self, objects: Iterable[KubeObject]) -> None:
        super().__init__(objects)
        self.sources: dict[int, _Source] = {}
        self.by_label: dict[tuple[str, str], list[KubeObject]] = defaultdict(list)
        self.custom_by_name: dict[str, list[KubeObject]] = defaultdict(list)
        self.custom_by_group: dict[str, list[KubeObject]] = defaultdict(list)
        self._ports: dict[int, list[Port]] = {}
        workload_namespaces: set[str] = set()
        for obj in self.all:
            if obj.pod_spec is None:
                nested = tuple(_nested_template_labels(obj.data))
                group = obj.api_version.rpartition("/")[0]
                self.sources[id(obj)] = _Source({}, nested, group)
                self.custom_by_name[obj.name].append(obj)
                self.custom_by_group[group].append(obj)
                for labels in nested:
                    for key, value in labels.items():
                        self.by_label[(str(key), str(value))].append(obj)
                continue
            workload_namespaces.add("" if obj.namespace == "default" else obj.namespace)
            self._ports[id(obj)] = all_ports(obj)
            labels = dict(pod_template_labels(obj.data))
            if obj.kind == "Job":
                labels.setdefault("job-name", obj.name)
                labels.setdefault("batch.kubernetes.io/job-name", obj.name)
            self.sources[id(obj)] = _Source(labels, (), "")
            for key, value in labels.items():
                self.by_label[(str(key), str(value))].append(obj)
        self._workload_namespaces = frozenset(workload_namespaces)

    def ports(self, obj: KubeObject) -> list[Port]:
        """The declared container ports of ``obj``."""
        found = self._ports.get(id(obj))
        return found if found is not None else all_ports(obj)

    def has_workloads(self, namespace: str) -> bool:
        """Whether real workloads (not custom resources) are explicitly in ``namespace``."""
        return ("" if namespace == "default" else namespace) in self._workload_namespaces

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
        """Objects near ``namespace`` whose pods ``selector`` may match, in input order."""
        plain = _plain_labels(selector, label_selector=label_selector)
        if not plain and not label_selector:
            return []  # an empty Service selector selects nothing we can reason about
        # the rarest of the selector's pairs: fewest candidates to test
        key = min((k for k in plain if k not in _DERIVED), default=None,
                  key=lambda k: len(self.by_label.get((str(k), str(plain[k])), ())))
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
        if key is not None and len(found) > 1:
            found.sort(key=lambda o: self._position[id(o)])
        return found


def _plain_labels(selector: Any, *, label_selector: bool) -> Mapping[str, Any]:
    plain = selector.get("matchLabels") if label_selector and isinstance(
        selector, Mapping) else selector
    return plain if isinstance(plain, Mapping) else {}


# -- autoscaling ---------------------------------------------------------------------------------


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


# -- the links of one run ---------------------------------------------------------------------
class LimitRangeDefaults:
    """Which requests/limits a namespace's LimitRanges fill in for containers that omit them."""

    def __init__(self, ranges: Iterable[KubeObject]) -> None:
        self._ranges: list[tuple[KubeObject, frozenset[tuple[str, str]]]] = []
        for obj in ranges:
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
                self._ranges.append((obj, frozenset(provided)))

    def provides(self, obj: KubeObject, field: str, resource: str) -> bool:
        return any((field, resource) in provided and same_namespace(lr.namespace, obj.namespace)
                   for lr, provided in self._ranges)


_NO_PODS = PodIndex(())
_NO_SERVICES = NamespaceIndex(())
_NO_LIMITS = LimitRangeDefaults(())


@dataclass(frozen=True)
class _Unit:
    """The indexes of one unit."""

    pods: PodIndex
    services: NamespaceIndex
    limits: LimitRangeDefaults
    #: (target kind, target name) -> HPAs
    hpas: Mapping[tuple[str, str], tuple[KubeObject, ...]]
    #: (namespace, Service name) an Ingress or a Gateway API route sends to
    routed: frozenset[tuple[str, str]]


@dataclass(frozen=True)
class Links:
    """Every cross-object relation of one run, indexed once (per unit)."""

    scope: Scope
    units: Mapping[tuple[str, ...], _Unit]
    #: id(pod-bearing object) -> the Services that select its pods, by (path, line)
    services_by_pod: Mapping[int, tuple[KubeObject, ...]]
    #: id(Service) -> the objects whose pods it selects, in input order
    pods_by_service: Mapping[int, tuple[KubeObject, ...]]

    @classmethod
    def of(cls, objects: Sequence[KubeObject], scope: Scope) -> Links:
        grouped: dict[tuple[str, ...], list[KubeObject]] = defaultdict(list)
        for obj in objects:
            grouped[scope.unit(obj.path)].append(obj)
        units: dict[tuple[str, ...], _Unit] = {}
        services_by_pod: dict[int, list[KubeObject]] = defaultdict(list)
        pods_by_service: dict[int, tuple[KubeObject, ...]] = {}
        for unit, members in grouped.items():
            pods = PodIndex(o for o in members if o.pod_spec is not None or is_custom(o))
            services = NamespaceIndex(o for o in members if o.kind == "Service")
            hpas: dict[tuple[str, str], list[KubeObject]] = defaultdict(list)
            routed: set[tuple[str, str]] = set()
            for obj in members:
                if obj.kind == "HorizontalPodAutoscaler":
                    ref = dig(obj.data, "spec", "scaleTargetRef")
                    if isinstance(ref, Mapping):
                        hpas[(str(ref.get("kind", "")), str(ref.get("name", "")))].append(obj)
                elif obj.kind in {"Ingress", "HTTPRoute", "GRPCRoute"}:
                    namespace = obj.namespace or "default"
                    routed.update((namespace, name) for name in _backend_names(
                        obj.data.get("spec")))
            for service in services.all:
                selected = pods.selected(dig(service.data, "spec", "selector"), service.namespace)
                pods_by_service[id(service)] = tuple(selected)
                for obj in selected:
                    services_by_pod[id(obj)].append(service)
            units[unit] = _Unit(pods, services, LimitRangeDefaults(
                o for o in members if o.kind == "LimitRange"),
                {k: tuple(v) for k, v in hpas.items()}, frozenset(routed))
        return cls(scope, units, {k: tuple(sorted(v, key=lambda s: (s.path, s.line)))
                                  for k, v in services_by_pod.items()}, pods_by_service)

    def _unit(self, obj: KubeObject) -> _Unit | None:
        return self.units.get(self.scope.unit(obj.path))

    def pod_index(self, near: KubeObject) -> PodIndex:
        """The pod-bearing objects (and custom resources) of ``near``'s unit."""
        unit = self._unit(near)
        return unit.pods if unit else _NO_PODS

    def service_index(self, near: KubeObject) -> NamespaceIndex:
        """The Services of ``near``'s unit."""
        unit = self._unit(near)
        return unit.services if unit else _NO_SERVICES

    def limit_ranges(self, near: KubeObject) -> LimitRangeDefaults:
        unit = self._unit(near)
        return unit.limits if unit else _NO_LIMITS

    def provides(self, obj: KubeObject, field: str, resource: str) -> bool:
        """Whether a LimitRange near ``obj`` fills in ``field`` (requests/limits) of
        ``resource`` for containers that omit it."""
        return self.limit_ranges(obj).provides(obj, field, resource)

    def services_for(self, obj: KubeObject) -> tuple[KubeObject, ...]:
        """The Services whose selector matches the pods of ``obj`` (Jobs' ``job-name`` and
        StatefulSets' pod-name labels count), in file order."""
        return self.services_by_pod.get(id(obj), ())

    def pods_of_service(self, service: KubeObject) -> list[KubeObject]:
        """The objects whose pods the Service's selector matches (see :meth:`services_for`)."""
        return list(self.pods_by_service.get(id(service), ()))

    def pods_near(self, obj: KubeObject) -> list[KubeObject]:
        """Objects with a pod template near ``obj`` (same unit, same namespace rule)."""
        return [o for o in self.pod_index(obj).near(obj.namespace) if o.pod_spec is not None]

    def pdb_selected(self, pdb: KubeObject) -> list[KubeObject]:
        """Pod-bearing objects whose pods the PodDisruptionBudget's selector matches (none
        for a missing or empty selector)."""
        selector = dig(pdb.data, "spec", "selector")
        if not isinstance(selector, Mapping) or not (selector.get("matchLabels") or
                                                     selector.get("matchExpressions")):
            return []
        return [o for o in self.pod_index(pdb).selected(selector, pdb.namespace,
                                                       label_selector=True)
                if o.pod_spec is not None]

    def hpas_for(self, obj: KubeObject) -> list[KubeObject]:
        """HPAs whose ``scaleTargetRef`` names ``obj``."""
        unit = self._unit(obj)
        found = unit.hpas.get((obj.kind, obj.name), ()) if unit else ()
        return [h for h in found if same_namespace(h.namespace, obj.namespace)]

    def hpa_target(self, hpa: KubeObject) -> KubeObject | None:
        """The pod-bearing object an HPA scales, if it is among the inputs."""
        ref = dig(hpa.data, "spec", "scaleTargetRef")
        if not isinstance(ref, Mapping):
            return None
        kind, name = str(ref.get("kind", "")), str(ref.get("name", ""))
        for obj in self.pod_index(hpa).by_name.get(name, []):
            if obj.kind == kind and obj.pod_spec is not None and same_namespace(
                    obj.namespace, hpa.namespace):
                return obj
        return None

    def proxied(self, service: KubeObject) -> str | None:
        """Why a proxy with an idle timeout sits in front of ``service``, if one does."""
        if dig(service.data, "spec", "type") == "LoadBalancer":
            return f"Service/{service.name} is of type LoadBalancer"
        unit = self._unit(service)
        if unit and ((service.namespace or "default"), service.name) in unit.routed:
            return f"an Ingress routes to Service/{service.name}"
        return None


_PORT_IN_TEXT = re.compile(r"(?:^|[:=\s])(\d{2,5})(?![\d.])")


def mentioned_ports(model: Model, obj: KubeObject) -> set[int]:
    """Port numbers the containers' servers are told to listen on (``--bind :8000``,
    ``--port``, ``--metrics-bind-address=:8443``, env values), declared or not."""
    found: set[int] = set()
    for workload in model.containers_of(obj):
        c = workload.container
        texts: list[str] = []
        for key in ("command", "args", "env"):
            items = c.get(key)
            for item in items if isinstance(items, list) else []:
                if key != "env":
                    texts.append(str(item))
                elif isinstance(item, Mapping) and item.get("value") is not None:
                    texts.append(str(item["value"]))
        server = model.server_for(workload)
        if server is not None:
            texts += [str(server.options.get(k, "")) for k in ("bind", "port")]
        for text in texts:
            found.update(int(m) for m in _PORT_IN_TEXT.findall(text))
    return found
