"""How Kubernetes objects relate: Services, PDBs and monitors ↔ pods (through ONE pod index,
:mod:`podfit.check.model.pods`), HPA ↔ target, Ingress backends, LimitRange defaults. One
namespace rule (``same_namespace``) and one scope rule (objects relate only within
their unit, see :mod:`podfit.check.model.scope`). Everything is indexed once per run, so no
relation scans every object per object."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from podfit.check.documents.kubernetes import KubeObject
from podfit.check.model.pods import NamespaceIndex, PodIndex, is_custom, same_namespace
from podfit.check.model.routes import _backend_names
from podfit.check.model.scope import Scope
from podfit.check.model.workloads import SCALABLE_KINDS
from podfit.core.kube import dig

if TYPE_CHECKING:
    from podfit.check.model.model import Model


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
