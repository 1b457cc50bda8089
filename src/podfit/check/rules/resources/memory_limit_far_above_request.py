"""## What it does
Reports a container whose memory limit is more than `memory-limit-ratio` times its memory
request (default 2.0; set it in `[tool.podfit]`).

## Why is this bad?
The scheduler places the pod by its *request*, but the container may grow to its *limit*. With
a wide gap the node is overcommitted: when several such pods grow at once the node runs out of
memory, and the kernel's OOM killer and the kubelet's evictions pick pods — those above their
request first, which is exactly these. A Python server's memory is mostly steady (workers ×
per-worker RSS), so the request should be close to the real peak and the limit close to it.

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
            requests: {cpu: 500m, memory: 256Mi}
            limits: {memory: 2Gi}
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
            requests: {cpu: 500m, memory: 768Mi}
            limits: {memory: 1Gi}
```

## Fix safety
No automatic fix: whether to raise the request or lower the limit depends on the measured peak.
"""

from __future__ import annotations

from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.workloads import key_line, resources, running_containers
from podfit.check.rule import Category, Hit, Rule
from podfit.core.kube import dig
from podfit.core.models import Severity

RULE = Rule(code="PF204", name="memory-limit-far-above-request", severity=Severity.WARNING,
            summary="Memory limit far above the request: the node is overcommitted.",
            category=Category.RESOURCES)


def check(model: Model) -> Iterator[Hit]:
    ratio = model.settings.memory_limit_ratio
    for workload in running_containers(model, all_init=True):
        res = resources(workload.container)
        if res.memory_request is None or res.memory_limit is None or res.memory_request <= 0:
            continue
        actual = res.memory_limit / res.memory_request
        if actual <= ratio:
            continue
        request = dig(workload.container, "resources", "requests", "memory")
        limit = dig(workload.container, "resources", "limits", "memory")
        limits = dig(workload.container, "resources", "limits")
        line = key_line(limits, "memory", workload.line_of("resources"))
        yield Hit(workload.obj.path, line,
                  f"{workload.obj.ref} container '{workload.ref.name}' has a memory limit of "
                  f"{limit}, {actual:.3g}× its request of {request} (more than {ratio:g}×): it "
                  "is scheduled for the request but can grow to the limit, so the node "
                  "overcommits and the OOM killer picks it first; raise the request to the "
                  "measured peak or lower the limit")
