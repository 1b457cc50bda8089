"""## What it does
Reports a Service whose selector matches the pod labels of no workload in its namespace, when
the inputs hold workloads in that namespace. A Service without a selector (ExternalName, or
one backed by manual Endpoints/EndpointSlices) is never reported. A warning, not an error:
the pods may come from somewhere the inputs do not hold (a chart, another repository, an
operator); nothing is reported when an input failed to parse (its objects are unknown).

## Why is this bad?
A Service that selects no pods has no endpoints: clients resolve its name and then get
connection refused or time out. It usually comes from a typo in a label or a label renamed in
the Deployment but not in the Service, and nothing in Kubernetes warns about it.

## Example
```yaml
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web-api
  ports:
    - port: 80
      targetPort: 8000
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: registry.example/web:1.4.2
          ports:
            - containerPort: 8000
```

## Use instead
```yaml
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
    - port: 80
      targetPort: 8000
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: registry.example/web:1.4.2
          ports:
            - containerPort: 8000
```

## Fix safety
No automatic fix: either the Service or the pod labels may be the wrong side.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from podfit.check.model import Model
from podfit.check.model.workloads import describe, key_line
from podfit.check.rule import Category, Hit, Rule
from podfit.core.kube import dig
from podfit.core.models import Severity

RULE = Rule(code="PF601", name="service-selects-no-pods", severity=Severity.WARNING,
            summary="Service selector matches no workload's pods: the Service has no "
                    "endpoints.",
            category=Category.SERVICES)


def check(model: Model) -> Iterator[Hit]:
    for service in model.objects_of("Service"):
        spec = service.data.get("spec")
        selector = dig(spec, "selector")
        if not isinstance(selector, Mapping) or not selector or \
                dig(spec, "type") == "ExternalName":
            continue
        pods = model.links.pod_index(service)
        if not pods.has_workloads(service.namespace) or model.links.pods_of_service(service):
            continue
        wanted = ", ".join(f"{k}={v}" for k, v in selector.items())
        line = key_line(spec, "selector", service.line)
        yield Hit(service.path, line,
                  f"{describe(service)} selects pods with {wanted}, but no workload among the "
                  "inputs in its namespace has these labels: without endpoints its clients get "
                  "connection refused; make the selector match the pod template labels (if "
                  "the pods come from elsewhere — a chart, another repository — check them "
                  "together or ignore PF601 here)")
