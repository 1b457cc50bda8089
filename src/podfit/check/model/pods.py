"""The pod index: objects of one unit bucketed by namespace, name and pod label, so that
matching a selector (Service, PDB, monitor) to its pods never scans every object. One
namespace rule (``same_namespace``); the labels Kubernetes adds to Job and StatefulSet pods;
custom resources whose operators may make pods we cannot see."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from podfit.check.documents.kubernetes import KubeObject
from podfit.check.model.routes import label_selector_matches
from podfit.check.model.workloads import Port, all_ports
from podfit.core.kube import pod_template_labels, selector_matches


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
