"""## What it does
Reports an object whose `apiVersion` is deprecated but still served by the Kubernetes version
the manifests target (`kube-version`, `--kube-version`), with its replacement and the version
that removes it. Deprecations follow the official migration guide
(https://kubernetes.io/docs/reference/using-api/deprecation-guide/) and the API server's own
deprecation warnings; core `v1` Endpoints, deprecated in 1.33 in favour of EndpointSlices, are
reported too.

## Why is this bad?
It works today and breaks on the upgrade that removes it: the deploy fails with `no matches
for kind`, usually when the cluster is upgraded under a chart nobody is watching. Moving
while both versions are served is a no-risk change; after the removal it is an outage.

## Example
```yaml
apiVersion: v1
kind: Service
metadata:
  name: db
spec:
  ports:
    - name: postgres
      port: 5432
---
apiVersion: v1
kind: Endpoints
metadata:
  name: db
subsets:
  - addresses:
      - ip: 10.0.0.12
    ports:
      - name: postgres
        port: 5432
```

## Use instead
```yaml
apiVersion: v1
kind: Service
metadata:
  name: db
spec:
  ports:
    - name: postgres
      port: 5432
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: db-1
  labels:
    kubernetes.io/service-name: db
addressType: IPv4
ports:
  - name: postgres
    port: 5432
endpoints:
  - addresses: ["10.0.0.12"]
```
With `kube-version = "1.24"`, an `autoscaling/v2beta2` HorizontalPodAutoscaler is reported
the same way (use `autoscaling/v2`, served since 1.23, before 1.26 removes it).

## Fix safety
Unsafe: where the replacement has the same schema the fix rewrites `apiVersion` (only when
the replacement is served at the target version); defaults can still differ.
"""

from __future__ import annotations

from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.apiversions import api_change
from podfit.check.model.workloads import describe, key_line, object_path
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Fix, FixSafety, Severity, YamlEdit

RULE = Rule(code="PF902", name="deprecated-api-version", severity=Severity.WARNING,
            summary="apiVersion is deprecated and will stop being served.",
            category=Category.API, fix=FixSafety.UNSAFE)


def check(model: Model) -> Iterator[Hit]:
    minor = model.settings.kube_minor
    for obj in model.objects:
        change = api_change(obj.api_version, obj.kind)
        if change is None or minor < change.deprecated or (
                change.removed is not None and minor >= change.removed):
            continue
        best = change.replacement_for(minor)
        fix = None
        if best is not None and not change.changes and best[1] <= minor:
            fix = Fix(f"set apiVersion: {best[0]}", FixSafety.UNSAFE, yaml_edits=(
                YamlEdit(obj.document, object_path(obj), "apiVersion", best[0], "set"),))
        removal = f"removed in 1.{change.removed}" if change.removed else "no removal planned"
        yield Hit(obj.path, key_line(obj.data, "apiVersion", obj.line),
                  f"{describe(obj)} uses the {obj.api_version} {obj.kind} API, deprecated since "
                  f"1.{change.deprecated} ({removal}); {change.advice(minor)}", fix=fix)
