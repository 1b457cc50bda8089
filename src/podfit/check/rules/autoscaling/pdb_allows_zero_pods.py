"""## What it does
Reports a PodDisruptionBudget that lets a voluntary disruption (a node drain, a cluster
upgrade, the autoscaler removing a node) evict every pod it covers: `minAvailable: 0` (or
`0%`), or a `maxUnavailable` at least the number of pods the selected workload runs
(`replicas`, or its HPA's `minReplicas`).

Needs: the PDB and the workloads its selector matches among the inputs. Not Python-specific.

## Why is this bad?
A budget exists to keep some pods serving while nodes are drained. One that allows zero
ready pods protects nothing, yet reads as if availability had been taken care of.

## Example
```yaml
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app: web}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: ghcr.io/acme/web:1.0}]
```

## Use instead
Run at least two replicas and keep `maxUnavailable: 1` (or `minAvailable: 1`).

## Fix safety
No automatic fix: more replicas cost money; only you can choose.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from podfit.check.model import Model
from podfit.check.model.links import replica_floor
from podfit.check.model.related import ref_in_file
from podfit.check.model.workloads import key_line
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity

RULE = Rule(code="PF409", name="pdb-allows-zero-pods", severity=Severity.WARNING,
            summary="A PodDisruptionBudget lets a drain evict every pod it covers.",
            category=Category.AUTOSCALING)


def _count(value: object, total: int) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.endswith("%") and value[:-1].isdigit():
        return -(-int(value[:-1]) * total // 100)  # Kubernetes rounds PDB percentages up
    return None


def check(model: Model) -> Iterator[Hit]:
    for pdb in model.objects_of("PodDisruptionBudget"):
        spec = pdb.data.get("spec")
        if not isinstance(spec, Mapping):
            continue
        if "minAvailable" in spec:
            if _count(spec["minAvailable"], 100) == 0:
                yield Hit(pdb.path, key_line(spec, "minAvailable", pdb.line),
                          f"{pdb.ref} has minAvailable: {spec['minAvailable']}: a drain may "
                          "evict every pod it covers; set minAvailable: 1 (with at least 2 "
                          "replicas) or maxUnavailable: 1")
            continue
        if "maxUnavailable" not in spec:
            continue
        for obj in model.links.pdb_selected(pdb):
            floor = replica_floor(obj, model.links.hpas_for(obj))
            if floor is None or floor[0] < 1:
                continue
            allowed = _count(spec["maxUnavailable"], floor[0])
            if allowed is not None and allowed >= floor[0]:
                yield Hit(pdb.path, key_line(spec, "maxUnavailable", pdb.line),
                          f"{pdb.ref} allows {allowed} unavailable but "
                          f"{ref_in_file(obj, pdb)} runs "
                          f"{floor[0]} pod{'s' if floor[0] != 1 else ''} ({floor[1]}): a drain "
                          "may evict them all; run at least 2 replicas so maxUnavailable: 1 "
                          "leaves one serving")
                break
