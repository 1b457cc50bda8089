"""## What it does
Reports an Ingress backend whose Service port (`port.number` / `port.name`, or the legacy
`servicePort`) is not one of the `ports` of that Service.

## Why is this bad?
The Ingress controller cannot resolve the port, so the route has no upstream: ingress-nginx
answers 503 and cloud load balancers fail their health checks. A numeric backend port is the
Service's `port`, not the container's `targetPort` — mixing the two is the usual mistake.

## Example
```yaml
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  defaultBackend:
    service:
      name: web
      port:
        number: 8000
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
    - name: http
      port: 80
      targetPort: 8000
```

## Use instead
```yaml
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  defaultBackend:
    service:
      name: web
      port:
        name: http
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
    - name: http
      port: 80
      targetPort: 8000
```

## Fix safety
No automatic fix: which Service port was meant is not always clear.
"""

from __future__ import annotations

from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.related import in_file
from podfit.check.model.routes import ingress_backends, service_has_port, service_ports
from podfit.check.model.workloads import describe
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity

RULE = Rule(code="PF604", name="ingress-service-port-missing", severity=Severity.ERROR,
            summary="Ingress backend port is not a port of its Service.",
            category=Category.SERVICES)


def check(model: Model) -> Iterator[Hit]:
    for ingress in model.objects_of("Ingress"):
        index = model.links.service_index(ingress)
        for backend in ingress_backends(ingress):
            service = index.named(backend.service, ingress.namespace)
            if service is None or backend.port is None or service_has_port(service,
                                                                          backend.port):
                continue
            ports = service_ports(service)
            known = ", ".join(f"{p.get('port')}" + (f" ({p['name']})" if p.get("name") else "")
                              for p in ports) or "none"
            yield Hit(ingress.path, backend.port_line,
                      f"{describe(ingress)} routes to port {backend.port} of Service "
                      f"'{backend.service}'{in_file(service, ingress)}, which has no such port "
                      f"(its ports: {known}); use "
                      "the Service's port number or name, not the container's")
