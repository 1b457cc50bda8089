"""## What it does
Reports `spec.replicas` on a Deployment, StatefulSet, ReplicaSet or Rollout that a
HorizontalPodAutoscaler in the inputs scales.

## Why is this bad?
The HPA owns the replica count. Every `kubectl apply` (or GitOps sync) of a manifest that still
says `replicas: 3` resets the count to 3: a workload scaled out to 12 pods under load drops to
3 in the middle of the peak, until the HPA notices and scales back out minutes later.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - {name: app, image: registry.example/web:1.4.2}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 3
  maxReplicas: 10
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - {name: app, image: registry.example/web:1.4.2}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 3
  maxReplicas: 10
```
(when removing the field from a live object, keep it once more at the current size or use
`kubectl apply --server-side` so the removal does not scale the workload to 1).

## Fix safety
No automatic fix: the fix is to delete the key, which podfit's YAML edits do not do, and the
removal needs the care described above.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from podfit.check.model import Model
from podfit.check.model.related import ref_in_file
from podfit.check.model.workloads import SCALABLE_KINDS, key_line
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity

RULE = Rule(code="PF403", name="hpa-managed-replicas", severity=Severity.WARNING,
            summary="`replicas` set on a workload an HPA scales: every apply resets the scale.",
            category=Category.AUTOSCALING)


def check(model: Model) -> Iterator[Hit]:
    for obj in model.objects:
        spec = obj.data.get("spec")
        if obj.kind not in SCALABLE_KINDS or not isinstance(spec, Mapping) or (
                spec.get("replicas") is None):
            continue
        managing = model.links.hpas_for(obj)
        if not managing:
            continue
        yield Hit(obj.path, key_line(spec, "replicas", obj.line),
                  f"{obj.ref} sets replicas: {spec['replicas']} but "
                  f"{ref_in_file(managing[0], obj)} scales it: "
                  "every apply resets the replica count, even in the middle of a peak; remove "
                  "spec.replicas and let the HPA's minReplicas set the floor")
