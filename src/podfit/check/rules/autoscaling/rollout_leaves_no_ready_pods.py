"""## What it does
Reports a Deployment whose rolling update may take down every pod at once: `maxUnavailable`
(a number, or a percentage rounded down) is at least the number of pods it runs —
`replicas`, or the `minReplicas` of the HorizontalPodAutoscaler that scales it. The classic
case is `replicas: 1` with `maxUnavailable: 1`.

Needs: the Deployment; its HPA when one among the inputs targets it. Not Python-specific.

## Why is this bad?
During a rollout Kubernetes may stop `maxUnavailable` old pods before any new pod is ready.
When that is all of them, every deploy is an outage: requests fail until the new pod has
pulled its image, started and passed its readiness probe.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  strategy:
    rollingUpdate: {maxUnavailable: 1, maxSurge: 1}
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  strategy:
    rollingUpdate: {maxUnavailable: 0, maxSurge: 1}
```

## Fix safety
Unsafe: sets `maxUnavailable: 0`, so a rollout needs room for one extra pod (`maxSurge`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from podfit.check.model import Model
from podfit.check.model.links import replica_floor
from podfit.check.model.workloads import doc_path, key_line
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Fix, FixSafety, Severity, YamlEdit

RULE = Rule(code="PF408", name="rollout-leaves-no-ready-pods", severity=Severity.WARNING,
            summary="A rolling update may stop every pod before a new one is ready.",
            category=Category.AUTOSCALING, fix=FixSafety.UNSAFE)


def resolve(value: object, total: int, *, round_up: bool) -> int | None:
    """A rolling-update or PDB count: an int, or a percentage of ``total`` (Kubernetes rounds
    maxUnavailable down and maxSurge up)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.endswith("%") and value[:-1].isdigit():
        scaled = int(value[:-1]) * total
        return -(-scaled // 100) if round_up else scaled // 100
    return None


def check(model: Model) -> Iterator[Hit]:
    for obj in model.objects_of("Deployment"):
        spec = obj.data.get("spec")
        strategy = spec.get("strategy") if isinstance(spec, Mapping) else None
        rolling = strategy.get("rollingUpdate") if isinstance(strategy, Mapping) else None
        if not isinstance(rolling, Mapping) or "maxUnavailable" not in rolling:
            continue  # the default (25%, rounded down) keeps a single pod up
        floor = replica_floor(obj, model.links.hpas_for(obj))
        if floor is None or floor[0] < 1:
            continue
        pods, why = floor
        unavailable = resolve(rolling.get("maxUnavailable"), pods, round_up=False)
        if unavailable is None or unavailable < pods:
            continue
        surge = resolve(rolling.get("maxSurge", "25%"), pods, round_up=True)
        fix = None
        if surge:
            fix = Fix("set maxUnavailable: 0", FixSafety.UNSAFE, yaml_edits=(YamlEdit(
                obj.document, doc_path(obj, "spec", "strategy", "rollingUpdate"),
                "maxUnavailable", 0, "set"),))
        yield Hit(obj.path, key_line(rolling, "maxUnavailable", obj.line),
                  f"{obj.ref} runs {pods} pod{'s' if pods != 1 else ''} ({why}) and its "
                  f"rolling update may stop {unavailable} before a new one is ready: every "
                  "deploy is an outage; set maxUnavailable: 0 (with maxSurge: 1) or run more "
                  "replicas", fix=fix)
