"""The effective securityContext of each container (its own over its pod's) and the YAML
paths fixes write to."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from podfit.check.documents.kubernetes import KubeObject
from podfit.check.model.workloads import Workload, describe, key_line, object_path, pod_spec_line
from podfit.core.kube import dig, pod_spec, pod_spec_path
from podfit.core.models import Fix, FixSafety, YamlEdit

if TYPE_CHECKING:
    from podfit.check.model.model import Model

@dataclass(frozen=True, eq=False)
class Secured:
    """A container with its own and its pod's ``securityContext`` (empty when unset); the
    model makes one per container."""

    workload: Workload
    pod: Mapping[str, Any]
    container: Mapping[str, Any]
    windows: bool = False  # the pod sets os.name: windows

    @classmethod
    def of(cls, workload: Workload) -> Secured:
        spec = workload.obj.pod_spec or {}
        pod = spec.get("securityContext")
        own = workload.container.get("securityContext")
        return cls(workload, pod if isinstance(pod, Mapping) else {},
                   own if isinstance(own, Mapping) else {}, dig(spec, "os", "name") == "windows")

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


def secured_containers(model: Model, *, include_init: bool = True,
                       linux_only: bool = False) -> Iterator[Secured]:
    for item in model.secured:
        if item.workload.ref.init and not include_init:
            continue
        if linux_only and item.windows:
            continue  # the restricted profile exempts these fields on Windows pods
        yield item


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
