"""## What it does
Validates each object against the OpenAPI schema of its kind for the target Kubernetes
version (`kube-version`, mapped to the nearest version that the `kubernetes-validate`
package ships — 1.25 to 1.37 today), in strict mode: unknown fields, wrong types and missing
required fields are reported, each at its line with its JSON path. Custom resources, kinds
without a shipped schema, Kustomize patches and unrendered `${VAR}`/`{{ }}` values are
skipped. Needs the `schemas` extra (`pip install 'podfit[schemas]'`). **Off by default**
(about 1 ms per object, plus ~0.3 s to load the schemas): run it with `--select PF903` (or
`select = ["PF903"]`).

## Why is this bad?
Since Kubernetes 1.27, `kubectl apply` rejects a mistyped field (`containerport`,
`resource:`); older clients and some deploy tools silently drop it, so a limit or probe you
wrote is not there. Either way the other podfit rules read the manifest as written and cannot
tell.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: registry.example/web:1.4.2
          resource:
            limits:
              memory: 512Mi
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: registry.example/web:1.4.2
          resources:
            limits:
              memory: 512Mi
```

## Fix safety
No automatic fix.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Mapping
from typing import Any

from podfit.check.model import Model
from podfit.check.model.apiversions import schema_validator, schema_version
from podfit.check.model.documents import KubeObject
from podfit.check.model.workloads import describe
from podfit.check.rule import Category, Hit, Rule
from podfit.core.kube import containers
from podfit.core.models import Severity

RULE = Rule(code="PF903", name="schema-validation", severity=Severity.ERROR,
            summary="Object does not match the Kubernetes OpenAPI schema of its kind.",
            category=Category.API, default_enabled=False)


def _plain(value: Any) -> Any:
    """JSON-shaped copy: YAML timestamps become the strings Kubernetes would read."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return value


def _looks_like_patch(obj: KubeObject) -> bool:
    """A Kustomize strategic-merge patch: partial by design, so not schema-checked."""
    if "$patch" in str(obj.data):
        return True
    refs = list(containers(obj.data))
    return bool(refs) and not any(ref.container.get("image") for ref in refs)


def _templated(value: Any) -> bool:
    return isinstance(value, str) and ("${" in value or "{{" in value)


def _locate(data: Any, path: list[Any], fallback: int) -> int:
    """Line of the last key or item of ``path`` that exists in the parsed object."""
    node, line = data, fallback
    for step in path:
        if isinstance(node, Mapping) and step in node:
            line = node.line_of(step) if hasattr(node, "line_of") else line
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and step < len(node):
            line = node.item_lines[step] if hasattr(node, "item_lines") else line
            node = node[step]
        else:
            break
    return int(line)


def _json_path(path: list[Any]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path) or "."


def check(model: Model) -> Iterator[Hit]:
    objects = list(model.objects)
    try:
        version = schema_version(model.settings.kube_minor)
    except ImportError:
        if objects:
            yield Hit(objects[0].path, 1, "schema validation needs the 'schemas' extra: "
                      "pip install 'podfit[schemas]' (kubernetes-validate)")
        return
    for obj in objects:
        validator = schema_validator(version, obj.api_version, obj.kind) if obj.kind else None
        if validator is None or _looks_like_patch(obj):
            continue  # a custom resource, a kind this version does not know, or a patch
        for error in sorted(validator.iter_errors(_plain(obj.data)), key=lambda e: list(
                map(str, e.absolute_path))):
            path = list(error.absolute_path)
            if _templated(error.instance):
                continue  # an unrendered ${VAR} or {{ }} placeholder
            message = error.message
            if error.validator == "additionalProperties" and isinstance(error.instance, dict):
                known = error.schema.get("properties", {}) if isinstance(
                    error.schema, Mapping) else {}
                extra = [k for k in error.instance if k not in known]
                if extra:
                    path.append(extra[0])
                    message = f"unknown field '{extra[0]}'"
            if len(message) > 160:
                message = message[:157] + "..."
            yield Hit(obj.path, _locate(obj.data, path, obj.line),
                      f"{describe(obj)}: {_json_path(path)}: {message} (Kubernetes "
                      f"{version.rsplit('.', 1)[0]} schema)")
