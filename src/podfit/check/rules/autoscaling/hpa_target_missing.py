"""## What it does
Reports a HorizontalPodAutoscaler whose `scaleTargetRef` names a workload that is not among the
inputs. To stay quiet on repositories split across folders, it only fires when the inputs hold
at least one object of the target's kind in the HPA's namespace (objects without a namespace
match any): an HPA checked on its own, or next to other kinds only, is not reported.

## Why is this bad?
An HPA pointing at a misspelled or renamed workload does nothing (`FailedGetScale`): the real
workload keeps its fixed replica count and is never scaled — usually found during the first
traffic peak after a rename.

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
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web-app}
  minReplicas: 2
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
  minReplicas: 2
  maxReplicas: 10
```

## Fix safety
No automatic fix: podfit cannot know which workload was meant (the message suggests the closest
name).
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterator, Mapping

from podfit.check.model import Model
from podfit.check.model.documents import KubeObject
from podfit.check.model.workloads import key_line
from podfit.check.rule import Category, Hit, Rule
from podfit.core.kube import dig
from podfit.core.models import Severity

RULE = Rule(code="PF402", name="hpa-target-missing", severity=Severity.ERROR,
            summary="HPA targets a workload that is not among the inputs.",
            category=Category.AUTOSCALING)


def check(model: Model) -> Iterator[Hit]:
    # (unit, kind) -> objects: an HPA only sees its own unit (see podfit.check.model.scope)
    by_kind: dict[tuple[tuple[str, ...], str], list[KubeObject]] = defaultdict(list)
    for obj in model.objects:
        by_kind[(model.scope.unit(obj.path), obj.kind)].append(obj)
    for hpa in model.objects_of("HorizontalPodAutoscaler"):
        ref = dig(hpa.data, "spec", "scaleTargetRef")
        if not isinstance(ref, Mapping) or not ref.get("kind") or not ref.get("name"):
            continue
        kind, name = str(ref["kind"]), str(ref["name"])
        present = [o for o in by_kind.get((model.scope.unit(hpa.path), kind), ())
                   if model.related(o, hpa)]
        if not present or any(o.name == name for o in present):
            continue
        names = sorted({o.name for o in present})
        close = difflib.get_close_matches(name, names, n=1)
        hint = f"did you mean '{close[0]}'?" if close else (
            f"{kind}s here: {', '.join(names[:5])}{', …' if len(names) > 5 else ''}")
        spec = hpa.data.get("spec")
        line = key_line(ref, "name", key_line(spec, "scaleTargetRef", hpa.line))
        yield Hit(hpa.path, line,
                  f"{hpa.ref} targets {kind}/{name}, which is not among the inputs in its "
                  f"namespace: the HPA scales nothing ({hint})")
