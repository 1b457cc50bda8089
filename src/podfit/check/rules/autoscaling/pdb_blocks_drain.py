"""## What it does
Reports a PodDisruptionBudget that allows no eviction at all:

- `maxUnavailable: 0` (or `"0%"`), or `minAvailable: "100%"` — always;
- `minAvailable` (a number or a percentage, rounded up as Kubernetes does) that is at least the
  number of pods its workloads can shrink to: the `minReplicas` of the HPA that scales each
  workload, else its `replicas` (default 1).

## Why is this bad?
A node drain (cluster upgrade, node pool rotation, autoscaler scale-down) evicts pods only while
the budget allows a disruption. When none is allowed the drain waits forever: upgrades stall,
nodes cannot be reclaimed, and operators end up deleting the PDB by hand. An HPA makes this
easy to miss — `minAvailable: 2` looks safe until quiet hours scale the workload down to 2.

## Example
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
  minReplicas: 2
  maxReplicas: 10
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  minAvailable: 2
  selector: {matchLabels: {app: web}}
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
  minReplicas: 2
  maxReplicas: 10
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app: web}}
```

## Fix safety
No automatic fix: replacing `minAvailable` with `maxUnavailable` removes a key, which podfit's
YAML edits do not do.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping

from podfit.check.model import Model
from podfit.check.model.documents import KubeObject
from podfit.check.model.links import replica_floor
from podfit.check.model.related import ref_in_file
from podfit.check.model.workloads import key_line
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity

RULE = Rule(code="PF407", name="pdb-blocks-drain", severity=Severity.WARNING,
            summary="PodDisruptionBudget allows no eviction: node drains hang.",
            category=Category.AUTOSCALING)

_ADVICE = "use maxUnavailable: 1 so drains proceed one pod at a time"


def check(model: Model) -> Iterator[Hit]:
    for pdb in model.objects_of("PodDisruptionBudget"):
        spec = pdb.data.get("spec")
        if not isinstance(spec, Mapping):
            continue
        if "maxUnavailable" in spec:
            value = spec["maxUnavailable"]
            if value == 0 or str(value).strip() in {"0", "0%"}:
                yield Hit(pdb.path, key_line(spec, "maxUnavailable", pdb.line),
                          f"{pdb.ref} has maxUnavailable: {value}: no pod it covers may ever "
                          f"be evicted, so node drains and upgrades hang; {_ADVICE}")
            continue
        value = spec.get("minAvailable")
        if value is None:
            continue
        line = key_line(spec, "minAvailable", pdb.line)
        if str(value).strip() == "100%":
            yield Hit(pdb.path, line, f"{pdb.ref} has minAvailable: 100%: no pod it covers may "
                      f"ever be evicted, so node drains and upgrades hang; {_ADVICE}")
            continue
        floor = _floor(model, pdb)
        if floor is None:
            continue
        total, why = floor
        needed = _scaled(value, total)
        if needed is not None and needed >= total > 0:
            yield Hit(pdb.path, line,
                      f"{pdb.ref} requires minAvailable {value} ({needed} pods), but its pods "
                      f"can number only {total} ({why}): at that size no pod may be evicted "
                      f"and node drains hang; {_ADVICE}, or raise the replica floor")


def _floor(model: Model, pdb: KubeObject) -> tuple[int, str] | None:
    """Fewest pods the PDB's selector can cover, and why; None when unknown."""
    selected = model.links.pdb_selected(pdb)
    if not selected:
        return None
    total, reasons = 0, []
    for obj in selected:
        floor = replica_floor(obj, model.links.hpas_for(obj))
        if floor is None:
            return None
        total += floor[0]
        reasons.append(f"{ref_in_file(obj, pdb)} {floor[1]} {floor[0]}")
    return total, "; ".join(reasons)


def _scaled(value: object, total: int) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    if text.endswith("%") and text[:-1].isdigit():
        return math.ceil(int(text[:-1]) * total / 100)
    return int(text) if text.isdigit() else None
