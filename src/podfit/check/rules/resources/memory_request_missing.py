"""## What it does
Reports a container without a memory request: no `resources.requests.memory`, no memory limit
(which Kubernetes would copy into the request) and no `LimitRange` default in its namespace.
App containers and native sidecars of every pod-bearing kind are checked.

## Why is this bad?
The scheduler places the pod as if it needed no memory, so nodes fill up with pods whose real
footprint nobody accounted for. When a node runs short, the kubelet evicts pods that use more
than they requested first — a container that requested nothing is always over. A Python web
server with several workers easily needs hundreds of MiB.

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
            requests: {cpu: 500m}
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
            limits: {memory: 384Mi}
```

## Fix safety
No automatic fix: the right request is a measurement (`podfit profile`), not a default.
"""

from __future__ import annotations

from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.workloads import has_request, running_containers
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity

RULE = Rule(code="PF202", name="memory-request-missing", severity=Severity.WARNING,
            summary="Container without a memory request: scheduled as if it needed no memory.",
            category=Category.RESOURCES)


def check(model: Model) -> Iterator[Hit]:
    for workload in running_containers(model):
        if has_request(workload.container, "memory") or model.links.provides(
                workload.obj, "requests", "memory"):
            continue
        yield Hit(workload.obj.path, workload.line_of("resources"),
                  f"{workload.obj.ref} container '{workload.ref.name}' has no memory request: "
                  "the scheduler counts it as 0 bytes and the kubelet evicts it first when the "
                  "node runs short; set resources.requests.memory to its measured peak")
