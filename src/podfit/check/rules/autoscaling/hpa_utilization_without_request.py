"""## What it does
Reports a HorizontalPodAutoscaler that scales on CPU or memory *utilization* — an
`autoscaling/v2` `Resource` or `ContainerResource` metric with `target.type: Utilization`,
`autoscaling/v1` `targetCPUUtilizationPercentage`, or no metric at all (the default is CPU at
80 %) — while a container of its target has no request for that resource (no request, no limit
copied into it, no `LimitRange` default).

## Why is this bad?
Utilization is usage as a percentage *of the request*. Without a request it is undefined: the
HPA shows `<unknown>`, logs `FailedGetResourceMetric: missing request for cpu`, and never scales
— the autoscaling you configured silently does nothing, at the moment you need it. No other
linter checks this pairing.

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
        - name: app
          image: registry.example/web:1.4.2
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 10
  metrics:
    - type: Resource
      resource:
        name: cpu
        target: {type: Utilization, averageUtilization: 70}
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
        - name: app
          image: registry.example/web:1.4.2
          resources:
            requests: {cpu: 500m, memory: 384Mi}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 10
  metrics:
    - type: Resource
      resource:
        name: cpu
        target: {type: Utilization, averageUtilization: 70}
```

## Fix safety
No automatic fix: the request is a measurement (`podfit profile`), not a default.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from podfit.check.model import Model
from podfit.check.model.documents import KubeObject
from podfit.check.model.related import ref_in_file
from podfit.check.model.workloads import has_request, key_line
from podfit.check.rule import Category, Hit, Rule
from podfit.core.kube import containers, dig
from podfit.core.models import Severity

RULE = Rule(code="PF401", name="hpa-utilization-without-request", severity=Severity.ERROR,
            summary="HPA scales on CPU/memory utilization but its target lacks that request.",
            category=Category.AUTOSCALING)


def check(model: Model) -> Iterator[Hit]:
    for hpa in model.objects_of("HorizontalPodAutoscaler"):
        target = model.links.hpa_target(hpa)
        if target is None:
            continue
        for resource, container_name, line, how in utilization_metrics(hpa):
            if model.links.provides(target, "requests", resource):
                continue
            refs = list(containers(target.data))
            if container_name is not None:
                refs = [r for r in refs if r.name == container_name]
                if not refs:
                    yield Hit(hpa.path, line, f"{hpa.ref} scales on the {resource} utilization "
                              f"of container '{container_name}', which "
                              f"{ref_in_file(target, hpa)} does not "
                              "have: the metric is never available and the HPA never scales")
                    continue
            lacking = [r.name for r in refs if not has_request(r.container, resource)]
            if not lacking:
                continue
            names = ", ".join(f"'{n}'" for n in lacking)
            yield Hit(hpa.path, line,
                      f"{hpa.ref} scales on {resource} utilization ({how}), but "
                      f"{ref_in_file(target, hpa)} "
                      f"container{'s' if len(lacking) > 1 else ''} {names} "
                      f"{'have' if len(lacking) > 1 else 'has'} no {resource} request: "
                      "utilization stays <unknown> and the HPA never scales; set "
                      f"resources.requests.{resource}")


def utilization_metrics(hpa: KubeObject) -> Iterator[tuple[str, str | None, int, str]]:
    """(resource, container or None, line, description) of each utilization metric."""
    spec = hpa.data.get("spec")
    if not isinstance(spec, Mapping):
        return
    spec_line = key_line(hpa.data, "spec", hpa.line)
    if hpa.api_version == "autoscaling/v1":
        target = spec.get("targetCPUUtilizationPercentage")
        if target is None:
            yield "cpu", None, spec_line, "the default target of 80 %"
        else:
            line = key_line(spec, "targetCPUUtilizationPercentage", spec_line)
            yield "cpu", None, line, f"{target} %"
        return
    metrics = spec.get("metrics")
    if not isinstance(metrics, list) or not metrics:
        yield "cpu", None, spec_line, "no metrics: the default target of 80 %"
        return
    for index, metric in enumerate(metrics):
        if not isinstance(metric, Mapping):
            continue
        line = int(metrics.item_lines[index]) if hasattr(metrics, "item_lines") else spec_line
        kind = metric.get("type")
        source: Any = metric.get("resource") if kind == "Resource" else (
            metric.get("containerResource") if kind == "ContainerResource" else None)
        if not isinstance(source, Mapping):
            continue
        if dig(source, "target", "type") == "Utilization":
            percent = dig(source, "target", "averageUtilization")
        elif "targetAverageUtilization" in source:  # autoscaling/v2beta1
            percent = source.get("targetAverageUtilization")
        else:
            continue
        container = source.get("container") if kind == "ContainerResource" else None
        yield (str(source.get("name", "cpu")), str(container) if container else None, line,
               f"{percent} %" if percent is not None else "Utilization")
