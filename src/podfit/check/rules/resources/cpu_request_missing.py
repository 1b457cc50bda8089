"""## What it does
Reports a container without a CPU request: no `resources.requests.cpu`, no CPU limit (which
Kubernetes would copy into the request) and no `LimitRange` default in its namespace. App
containers and native sidecars of every pod-bearing kind are checked; ordinary init containers
are not (they run before the app, and the pod is scheduled for the larger of the two).

## Why is this bad?
The scheduler places the pod as if it needed no CPU, so it lands on busy nodes; under
contention the container gets the smallest CPU share (a weight of 2 against 1024 per requested
core) and every request slows down. An HPA on CPU utilization cannot compute utilization without
a request, and a Python server's worker count has nothing to be sized from.

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
          resources:
            requests: {memory: 256Mi}
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
            requests: {cpu: 500m, memory: 256Mi}
```
(measure the value with `podfit profile` rather than guessing).

## Fix safety
No automatic fix: the right request is a measurement, not a default.
"""

from __future__ import annotations

from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.workloads import has_request, running_containers
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity

RULE = Rule(code="PF201", name="cpu-request-missing", severity=Severity.WARNING,
            summary="Container without a CPU request: scheduled as if it needed no CPU.",
            category=Category.RESOURCES)


def check(model: Model) -> Iterator[Hit]:
    for workload in running_containers(model):
        if has_request(workload.container, "cpu") or model.links.provides(
                workload.obj, "requests", "cpu"):
            continue
        yield Hit(workload.obj.path, workload.line_of("resources"),
                  f"{workload.obj.ref} container '{workload.ref.name}' has no CPU request: the "
                  "scheduler counts it as 0 CPU and under contention it gets the smallest CPU "
                  "share; set resources.requests.cpu (measure it with podfit profile)")
