"""## What it does
Reports a HorizontalPodAutoscaler whose `maxReplicas` is not above its `minReplicas` (default
1).

## Why is this bad?
With `maxReplicas` equal to `minReplicas` the HPA can never change the replica count: it is a
fixed-size workload dressed up as an autoscaled one, and load peaks are not absorbed. A
`maxReplicas` below `minReplicas` is rejected by the API server.

## Example
```yaml
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 3
  maxReplicas: 3
```

## Use instead
```yaml
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 3
  maxReplicas: 12
```

## Fix safety
No automatic fix: the ceiling depends on the load you expect and the budget you have.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from podfit.check.model import Model
from podfit.check.model.links import min_replicas
from podfit.check.model.workloads import key_line
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity

RULE = Rule(code="PF405", name="hpa-max-not-above-min", severity=Severity.WARNING,
            summary="HPA maxReplicas not above minReplicas: it can never scale.",
            category=Category.AUTOSCALING)


def check(model: Model) -> Iterator[Hit]:
    for hpa in model.objects_of("HorizontalPodAutoscaler"):
        spec = hpa.data.get("spec")
        if not isinstance(spec, Mapping):
            continue
        maximum, minimum = spec.get("maxReplicas"), min_replicas(hpa)
        if not isinstance(maximum, int) or isinstance(maximum, bool) or minimum is None:
            continue
        if maximum > minimum:
            continue
        shown = f"minReplicas {minimum}" + ("" if "minReplicas" in spec else " (default)")
        problem = ("the HPA can never change the replica count" if maximum == minimum
                   else "the API server rejects it")
        yield Hit(hpa.path, key_line(spec, "maxReplicas", hpa.line),
                  f"{hpa.ref} has maxReplicas {maximum}, not above {shown}: {problem}; raise "
                  "maxReplicas to the most pods a peak needs")
