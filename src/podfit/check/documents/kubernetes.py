"""Kubernetes YAML streams: every object with line numbers, bad documents reported not fatal."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from podfit.core.kube import pod_spec
from podfit.core.models import FileError
from podfit.core.yamlsrc import Map, YamlTooLarge, load_documents


@dataclass(frozen=True, eq=False)
class KubeObject:
    """One Kubernetes object (an item of a ``List`` counts as one too).

    Identity fields are read once when the object is made (every rule asks for them). Objects
    compare by identity: comparing parsed documents field by field is slow and never meant."""

    path: str
    document: int
    data: Map
    line: int
    end_line: int
    list_item: int | None = None  # index inside a ``kind: List``, for fixes
    kind: str = field(init=False)
    api_version: str = field(init=False)
    name: str = field(init=False)
    namespace: str = field(init=False)
    annotations: Mapping[str, Any] = field(init=False)
    #: The pod spec of a pod-bearing kind (``None`` for every other object).
    pod_spec: Mapping[str, Any] | None = field(init=False)

    def __post_init__(self) -> None:
        data = self.data
        meta = data.get("metadata")
        meta = meta if isinstance(meta, Mapping) else {}
        annotations = meta.get("annotations")
        namespace = meta.get("namespace")
        values = {"kind": str(data.get("kind", "")),
                  "api_version": str(data.get("apiVersion", "")),
                  "name": str(meta.get("name", "")),
                  "namespace": str(namespace) if namespace else "",
                  "annotations": annotations if isinstance(annotations, Mapping) else {},
                  "pod_spec": pod_spec(data)}
        for key, value in values.items():  # frozen: set once, here
            object.__setattr__(self, key, value)

    @property
    def ref(self) -> str:
        return f"{self.kind}/{self.name}"


@dataclass(frozen=True)
class KubeFile:
    path: str
    text: str
    objects: tuple[KubeObject, ...]
    errors: tuple[FileError, ...]


def _describe(data: object) -> str:
    if isinstance(data, list):
        return "a list"
    if isinstance(data, str):
        return "a string"
    if isinstance(data, bool):
        return "a boolean"
    if isinstance(data, int | float):
        return "a number"
    return f"a {type(data).__name__}"


def looks_like_kubernetes(data: object) -> bool:
    return isinstance(data, Mapping) and "apiVersion" in data and "kind" in data


def parse_kubernetes(path: str, text: str) -> KubeFile:
    """Parse a YAML stream; non-object documents and syntax errors become ``FileError``s."""
    objects: list[KubeObject] = []
    errors: list[FileError] = []
    total_lines = text.count("\n") + 1
    try:
        for doc in load_documents(text):
            data = doc.data
            if data is None:
                continue
            if not isinstance(data, Map):
                errors.append(FileError(path, f"document {doc.index + 1} is "
                                        f"{_describe(data)}, not a Kubernetes object",
                                        "each YAML document must be a mapping with apiVersion "
                                        "and kind", doc.line))
                continue
            if not looks_like_kubernetes(data):
                continue  # values files, kustomization.yaml, CI config: not ours to judge
            items = data.get("items") if data.get("kind") == "List" else None
            if isinstance(items, list):
                for i, item in enumerate(items):
                    if isinstance(item, Map) and looks_like_kubernetes(item):
                        objects.append(KubeObject(path, doc.index, item, item.line, item.line, i))
                continue
            objects.append(KubeObject(path, doc.index, data, doc.line, doc.line))
    except YamlTooLarge as exc:
        errors.append(FileError(path, f"YAML too large to expand: {exc}",
                                "remove recursive aliases/anchors from the file"))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or str(exc)
        errors.append(FileError(path, f"invalid YAML: {problem}", "fix the YAML syntax "
                                "(indentation, quoting) at the line named", line))
    except yaml.YAMLError as exc:
        errors.append(FileError(path, f"invalid YAML: {exc}", "fix the YAML syntax"))
    # End lines: each object runs until the next one starts (or the end of the file).
    fixed: list[KubeObject] = []
    for i, obj in enumerate(objects):
        end = objects[i + 1].line - 1 if i + 1 < len(objects) else total_lines
        fixed.append(KubeObject(obj.path, obj.document, obj.data, obj.line, max(end, obj.line),
                                obj.list_item))
    return KubeFile(path, text, tuple(fixed), tuple(errors))
