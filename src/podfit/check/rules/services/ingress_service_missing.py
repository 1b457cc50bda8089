"""## What it does
Reports an Ingress backend (a path's backend or the default backend) naming a Service that is
not in the inputs, when the inputs hold Services in the Ingress's namespace. Both
`networking.k8s.io/v1` (`service.name`) and the legacy `serviceName` shape are read.

## Why is this bad?
The controller has nowhere to send the traffic: requests get 503 (ingress-nginx) or 502
(cloud load balancers), and the Ingress itself applies without error. It happens when a
Service is renamed, or when a chart's release prefix is forgotten in the Ingress.

## Example
```yaml
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  rules:
    - http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: web-svc
                port:
                  number: 80
---
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
```

## Use instead
```yaml
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  rules:
    - http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: web
                port:
                  number: 80
---
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
```

## Fix safety
No automatic fix: the intended Service cannot be known.
"""

from __future__ import annotations

from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.pods import is_custom, same_namespace
from podfit.check.model.routes import ingress_backends
from podfit.check.model.workloads import describe, templated
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity

RULE = Rule(code="PF603", name="ingress-service-missing", severity=Severity.ERROR,
            summary="Ingress backend names a Service that does not exist.",
            category=Category.SERVICES)


def check(model: Model) -> Iterator[Hit]:
    for ingress in model.objects_of("Ingress"):
        index = model.links.service_index(ingress)
        present = index.explicit(ingress.namespace)
        if not present:
            continue  # the Services live elsewhere; nothing to compare with
        custom = [(o.name, o.namespace) for o in model.links.pod_index(ingress).all
                  if is_custom(o)]
        made = [name for name, ns in custom if same_namespace(ns, ingress.namespace)]
        for backend in ingress_backends(ingress):
            if templated(backend.service) or any(backend.service.startswith(name)
                                                 for name in made):
                continue  # a placeholder, or a Service an operator makes for its resource
            if index.named(backend.service, ingress.namespace) is None:
                known = ", ".join(sorted({s.name for s in present})[:5])
                yield Hit(ingress.path, backend.line,
                          f"{describe(ingress)} routes to Service '{backend.service}', which "
                          f"is not defined in its namespace (Services there: {known}); name "
                          "an existing Service")
