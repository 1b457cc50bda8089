"""Kubernetes object helpers: find pod templates and containers in any workload kind."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

#: Kinds that carry a pod template, and the path from the object to its pod spec.
POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "Rollout": ("spec", "template", "spec"),  # Argo Rollouts: same template shape
}

#: Kinds whose pods serve traffic for a long time (probes, drains and HPAs apply).
SERVING_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet",
                           "ReplicationController", "Rollout", "Pod"})


def dig(obj: Any, *path: str | int) -> Any:
    """Follow ``path`` through nested mappings and lists; ``None`` where it breaks."""
    for step in path:
        if isinstance(step, int):
            if not isinstance(obj, list) or step >= len(obj):
                return None
            obj = obj[step]
        elif isinstance(obj, (dict, Mapping)):  # dict is tried first: the fast path
            obj = obj.get(step)
        else:
            return None
    return obj


def pod_spec_path(obj: Mapping[str, Any]) -> tuple[str, ...] | None:
    kind = obj.get("kind")
    return POD_SPEC_PATHS.get(kind) if isinstance(kind, str) else None


def pod_spec(obj: Mapping[str, Any]) -> Mapping[str, Any] | None:
    path = pod_spec_path(obj)
    spec = dig(obj, *path) if path else None
    return spec if isinstance(spec, Mapping) else None


def pod_template_labels(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    """Labels the pods of ``obj`` will carry."""
    path = pod_spec_path(obj)
    if not path:
        return {}
    labels = dig(obj, *path[:-1], "metadata", "labels") if obj.get("kind") != "Pod" else dig(
        obj, "metadata", "labels")
    return labels if isinstance(labels, Mapping) else {}


@dataclass(frozen=True)
class ContainerRef:
    """A container inside an object, with the path that leads to it (for fixes)."""

    container: Mapping[str, Any]
    path: tuple[str | int, ...]
    init: bool

    @property
    def name(self) -> str:
        return str(self.container.get("name", "?"))


def containers(obj: Mapping[str, Any], *, include_init: bool = False) -> Iterator[ContainerRef]:
    """Yield the (app, and optionally init) containers of a workload object."""
    path = pod_spec_path(obj)
    spec = pod_spec(obj)
    if path is None or spec is None:
        return
    keys = ("containers", "initContainers") if include_init else ("containers",)
    for key in keys:
        items = spec.get(key)
        if not isinstance(items, list):
            continue
        for index, item in enumerate(items):
            if isinstance(item, Mapping):
                yield ContainerRef(item, (*path, key, index), key == "initContainers")


def selector_matches(selector: Mapping[str, Any] | None, labels: Mapping[str, Any]) -> bool:
    """Whether a label selector (plain map or ``matchLabels``/``matchExpressions``) matches."""
    if not isinstance(selector, Mapping):
        return False
    if "matchLabels" in selector or "matchExpressions" in selector:
        match_labels = selector.get("matchLabels") or {}
        expressions = selector.get("matchExpressions") or []
    else:
        match_labels, expressions = selector, []
    if not match_labels and not expressions:
        return False  # an empty selector selects nothing we can reason about
    if not isinstance(match_labels, Mapping) or not isinstance(expressions, list):
        return False
    if any(str(labels.get(k)) != str(v) for k, v in match_labels.items()):
        return False
    for expr in expressions:
        if not isinstance(expr, Mapping):
            return False
        key, op = str(expr.get("key")), expr.get("operator")
        values = [str(v) for v in expr.get("values") or []]
        present = key in labels
        if op == "In" and not (present and str(labels[key]) in values):
            return False
        if op == "NotIn" and present and str(labels[key]) in values:
            return False
        if op == "Exists" and not present:
            return False
        if op == "DoesNotExist" and present:
            return False
    return True
