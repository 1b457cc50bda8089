"""## What it does
Reports a Prometheus-operator `PodMonitor` (`monitoring.coreos.com/v1`) whose `selector`
matches the pod labels of no workload in the namespaces it watches, when the inputs hold
workloads there.

## Why is this bad?
Prometheus scrapes nothing and says nothing: the job never shows up among the targets, so
missing metrics and silent alerts go unnoticed until they are needed.

## Example
```yaml
apiVersion: monitoring.coreos.com/v1
kind: PodMonitor
metadata:
  name: worker
spec:
  selector:
    matchLabels:
      app: celery-worker
  podMetricsEndpoints:
    - port: metrics
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
spec:
  selector:
    matchLabels:
      app: worker
  template:
    metadata:
      labels:
        app: worker
    spec:
      containers:
        - name: worker
          image: registry.example/worker:1.4.2
          ports:
            - name: metrics
              containerPort: 9808
```

## Use instead
```yaml
apiVersion: monitoring.coreos.com/v1
kind: PodMonitor
metadata:
  name: worker
spec:
  selector:
    matchLabels:
      app: worker
  podMetricsEndpoints:
    - port: metrics
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
spec:
  selector:
    matchLabels:
      app: worker
  template:
    metadata:
      labels:
        app: worker
    spec:
      containers:
        - name: worker
          image: registry.example/worker:1.4.2
          ports:
            - name: metrics
              containerPort: 9808
```

## Fix safety
No automatic fix: either the selector or the pod labels may be wrong.
"""

from __future__ import annotations

from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.routes import is_monitor, monitor_namespaces
from podfit.check.model.workloads import describe, key_line, knows_ports
from podfit.check.rule import Category, Hit, Rule
from podfit.core.kube import dig
from podfit.core.models import Severity

RULE = Rule(code="PF607", name="podmonitor-selects-no-pods", severity=Severity.WARNING,
            summary="PodMonitor selector matches no workload's pods: nothing is scraped.",
            category=Category.SERVICES)


def check(model: Model) -> Iterator[Hit]:
    for monitor in model.objects_of("PodMonitor"):
        if not is_monitor(monitor, "PodMonitor"):
            continue
        index = model.links.pod_index(monitor)
        watched = monitor_namespaces(monitor)
        candidates = index.in_namespaces(watched)
        selector = dig(monitor.data, "spec", "selector")
        if not any(knows_ports(o) for o in index.explicit(watched)) or any(
                index.may_select(selector, o, label_selector=True) for o in candidates):
            continue
        count = sum(map(knows_ports, candidates))
        spec = monitor.data.get("spec")
        line = key_line(spec, "selector", monitor.line)
        yield Hit(monitor.path, line,
                  f"{describe(monitor)} selects no pods: none of the {count} "
                  "workload(s) it watches has matching pod template labels; fix the selector "
                  "or the labels")
