"""## What it does
Reports a `PodMonitor` metrics endpoint whose `port` is not the name of a container port of
the pods it selects (or whose `portNumber`/numeric `targetPort` is not a declared
`containerPort`, when the containers declare ports).

## Why is this bad?
`podMetricsEndpoints[].port` is a container port *name*. When the pods have no port of that
name — often because the metrics port was never declared in the pod spec — the operator
generates no target and the metrics silently go missing.

## Example
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
No automatic fix: the metrics port number is not known from the manifests.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from podfit.check.model import Model
from podfit.check.model.routes import is_monitor, monitor_namespaces
from podfit.check.model.workloads import declares_ports, describe, knows_ports, port_matches
from podfit.check.rule import Category, Hit, Rule
from podfit.core.kube import dig
from podfit.core.models import Severity

RULE = Rule(code="PF608", name="podmonitor-port-missing", severity=Severity.WARNING,
            summary="PodMonitor endpoint port is not a container port of the selected pods.",
            category=Category.SERVICES)


def check(model: Model) -> Iterator[Hit]:
    for monitor in model.objects_of("PodMonitor"):
        endpoints = dig(monitor.data, "spec", "podMetricsEndpoints")
        if not is_monitor(monitor, "PodMonitor") or not isinstance(endpoints, list):
            continue
        index = model.links.pod_index(monitor)
        selector = dig(monitor.data, "spec", "selector")
        selected = [o for o in index.in_namespaces(monitor_namespaces(monitor))
                    if index.may_select(selector, o, label_selector=True)]
        if not selected or not all(knows_ports(o) for o in selected):
            continue  # PF607's finding, or pods made by an operator
        ports = [p for o in selected for p in index.ports(o)]
        undeclared = any(not declares_ports(o) for o in selected)
        which = ", ".join(sorted({o.ref for o in selected}))
        for endpoint in endpoints:
            if not isinstance(endpoint, Mapping):
                continue
            for key in ("port", "portNumber", "targetPort"):
                ref = endpoint.get(key)
                named = isinstance(ref, str) and not ref.isdecimal()
                if ref is None or port_matches(ref, ports) or (not named and undeclared):
                    continue
                line = endpoint.line_of(key) if hasattr(endpoint, "line_of") else monitor.line
                what = f"port name '{ref}'" if named else f"containerPort {ref}"
                yield Hit(monitor.path, line,
                          f"{describe(monitor)} scrapes {what}, which the pods of {which} do "
                          f"not declare; add it to the container's ports (with name "
                          f"'{ref}')" if named else
                          f"{describe(monitor)} scrapes {what}, which the pods of {which} do "
                          "not declare; point it at the metrics port")
