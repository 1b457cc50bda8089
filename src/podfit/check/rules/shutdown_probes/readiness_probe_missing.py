"""## What it does
Reports a container without a `readinessProbe` in a long-running workload (Deployment,
StatefulSet, DaemonSet, ReplicaSet, Rollout, Pod — not Jobs or CronJobs) when it takes traffic:
it declares `containerPorts`, or a Service selects its pods and no container of the pod
declares ports. In pods with several containers, known sidecar images (proxies, log shippers,
databases) are skipped.

## Why is this bad?
Without a readiness probe a container counts as ready the moment its process starts. The
Service sends it requests while a Python app is still importing its framework and opening
connections, during every rolling update, and while it is overloaded or draining — each one a
burst of connection errors or 502s that a readiness check would have avoided.

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
          ports: [{name: http, containerPort: 8000}]
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
          ports: [{name: http, containerPort: 8000}]
          readinessProbe:
            httpGet: {path: /readyz, port: http}
            periodSeconds: 5
            timeoutSeconds: 2
```

## Fix safety
No automatic fix: the readiness endpoint belongs to the app (`podfit.runtime` serves one).
"""

from __future__ import annotations

from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.probes import probe
from podfit.check.model.workloads import container_ports, is_sidecar
from podfit.check.rule import Category, Hit, Rule
from podfit.core.kube import SERVING_KINDS, containers
from podfit.core.models import Severity

RULE = Rule(code="PF510", name="readiness-probe-missing", severity=Severity.WARNING,
            summary="Container that takes traffic has no readiness probe.",
            category=Category.SHUTDOWN_PROBES)


def check(model: Model) -> Iterator[Hit]:
    for obj in model.objects:
        if obj.kind not in SERVING_KINDS:
            continue
        refs = list(containers(obj.data))
        if not refs or all(probe(r.container, "readiness") for r in refs):
            continue
        targeted = model.links.services_for(obj)
        any_ports = any(container_ports(r.container) for r in refs)
        for ref in refs:
            if probe(ref.container, "readiness") is not None or (
                    len(refs) > 1 and is_sidecar(ref.container)):
                continue
            ports = [str(p.number) for p in container_ports(ref.container) if p.number]
            if ports:
                why = f"it declares port{'s' if len(ports) > 1 else ''} {', '.join(ports)}"
            elif targeted and not any_ports:
                why = f"{targeted[0].ref} sends it traffic"
            else:
                continue
            yield Hit(obj.path, int(getattr(ref.container, "line", obj.line)),
                      f"{obj.ref} container '{ref.name}' has no readinessProbe although {why}: "
                      "it receives requests as soon as its process starts (while the app "
                      "still imports and connects) and while it is overloaded or draining; add "
                      "a readinessProbe on a cheap endpoint such as /readyz")
