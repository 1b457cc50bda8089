"""## What it does
Reports a HorizontalPodAutoscaler whose `minReplicas` is 1 or missing (the default is 1).
`minReplicas: 0` (scale to zero, behind the `HPAScaleToZero` gate) is a deliberate choice and
is not reported.

## Why is this bad?
At quiet times the workload shrinks to a single pod: one node drain, eviction, OOM kill or
crash and the service is down until a replacement starts — a Python app that imports a
framework and warms up may take tens of seconds. A PodDisruptionBudget cannot protect a
single pod without blocking every drain either.

## Example
```yaml
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 10
```

## Use instead
```yaml
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 10
```

## Fix safety
Unsafe: sets `minReplicas: 2` (only when `maxReplicas` allows it), which doubles the idle cost
of the workload.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from podfit.check.model import Model
from podfit.check.model.workloads import doc_path, key_line
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Fix, FixSafety, Severity, YamlEdit

RULE = Rule(code="PF404", name="hpa-single-replica", severity=Severity.WARNING,
            summary="HPA minReplicas below 2: one disruption takes the service down.",
            category=Category.AUTOSCALING, fix=FixSafety.UNSAFE)


def check(model: Model) -> Iterator[Hit]:
    for hpa in model.objects_of("HorizontalPodAutoscaler"):
        spec = hpa.data.get("spec")
        if not isinstance(spec, Mapping):
            continue
        value = spec.get("minReplicas")
        if value is not None and value != 1:
            continue
        maximum = spec.get("maxReplicas")
        fix = None
        if isinstance(maximum, int) and maximum >= 2:
            fix = Fix("set minReplicas: 2", FixSafety.UNSAFE, yaml_edits=(YamlEdit(
                hpa.document, doc_path(hpa, "spec"), "minReplicas", 2, "set"),))
        if value is None:
            line, what = key_line(hpa.data, "spec", hpa.line), "has no minReplicas (default 1)"
        else:
            line, what = key_line(spec, "minReplicas", hpa.line), "has minReplicas: 1"
        yield Hit(hpa.path, line,
                  f"{hpa.ref} {what}: at quiet times one pod serves everything and a single "
                  "drain, eviction or crash takes the service down; set minReplicas: 2 or more",
                  fix=fix)
