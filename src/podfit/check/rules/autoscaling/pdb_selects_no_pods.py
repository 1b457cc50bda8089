"""## What it does
Reports a PodDisruptionBudget whose selector matches the pod template of no workload in its
namespace — only when the inputs hold at least one pod-bearing object there (a PDB checked on
its own is not reported). A missing selector selects nothing (`policy/v1`); an empty one
(`selector: {}`) selects every pod of the namespace and is not reported.

## Why is this bad?
The budget protects nothing: a node drain can evict every replica of the workload you meant to
protect at once, and nobody notices until the first cluster upgrade takes the service down.
Typos in labels and labels renamed in the Deployment but not in the PDB are the usual causes.

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
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app: website}}
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
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app: web}}
```

## Fix safety
No automatic fix: podfit cannot know which pods were meant.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from podfit.check.model import Model
from podfit.check.model.workloads import key_line
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity

RULE = Rule(code="PF406", name="pdb-selects-no-pods", severity=Severity.WARNING,
            summary="PodDisruptionBudget whose selector matches no workload's pods.",
            category=Category.AUTOSCALING)


def check(model: Model) -> Iterator[Hit]:
    for pdb in model.objects_of("PodDisruptionBudget"):
        spec = pdb.data.get("spec")
        if not isinstance(spec, Mapping):
            continue
        selector = spec.get("selector")
        if isinstance(selector, Mapping) and not (selector.get("matchLabels") or
                                                  selector.get("matchExpressions")):
            continue  # empty selector: every pod in the namespace
        candidates = model.links.pods_near(pdb)
        if not candidates:
            continue
        if model.links.pdb_selected(pdb):
            continue
        line = key_line(spec, "selector", key_line(pdb.data, "spec", pdb.line))
        what = "has no selector" if selector is None else f"selects {_show(selector)}"
        yield Hit(pdb.path, line,
                  f"{pdb.ref} {what}, which matches the pods of none of the {len(candidates)} "
                  "workload(s) in its namespace: it protects nothing during drains; use the "
                  "labels of the pod template it should cover")


def _show(selector: Mapping[str, object]) -> str:
    labels = selector.get("matchLabels")
    if isinstance(labels, Mapping) and labels:
        return ", ".join(f"{k}={v}" for k, v in labels.items())
    return "by expressions"
