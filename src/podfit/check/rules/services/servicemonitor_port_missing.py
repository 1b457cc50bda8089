"""## What it does
Reports a `ServiceMonitor` endpoint whose `port` is not the name of a port of the Services it
selects.

## Why is this bad?
`endpoints[].port` is a Service port *name*. When no selected Service has a port of that name
(or the port is unnamed), the Prometheus operator generates no target, and the app's
metrics silently go missing.

## Example
```yaml
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: web
  endpoints:
    - port: metrics
---
apiVersion: v1
kind: Service
metadata:
  name: web
  labels:
    app: web
spec:
  selector:
    app: web
  ports:
    - port: 9102
```

## Use instead
```yaml
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: web
  endpoints:
    - port: metrics
---
apiVersion: v1
kind: Service
metadata:
  name: web
  labels:
    app: web
spec:
  selector:
    app: web
  ports:
    - name: metrics
      port: 9102
```

## Fix safety
No automatic fix: the port may need a name on the Service, or the monitor another name.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from podfit.check.model import Model
from podfit.check.model.related import in_file
from podfit.check.model.routes import (
    is_monitor,
    label_selector_matches,
    monitor_namespaces,
    object_labels,
    service_ports,
)
from podfit.check.model.workloads import describe
from podfit.check.rule import Category, Hit, Rule
from podfit.core.kube import dig
from podfit.core.models import Severity

RULE = Rule(code="PF606", name="servicemonitor-port-missing", severity=Severity.WARNING,
            summary="ServiceMonitor endpoint port is not a named port of the selected "
                    "Services.",
            category=Category.SERVICES)


def check(model: Model) -> Iterator[Hit]:
    for monitor in model.objects_of("ServiceMonitor"):
        endpoints = dig(monitor.data, "spec", "endpoints")
        if not is_monitor(monitor, "ServiceMonitor") or not isinstance(endpoints, list):
            continue
        index = model.links.service_index(monitor)
        selector = dig(monitor.data, "spec", "selector")
        selected = [s for s in index.in_namespaces(monitor_namespaces(monitor))
                    if label_selector_matches(selector, object_labels(s))]
        if not selected:
            continue  # PF605's finding
        names = {str(p["name"]) for s in selected for p in service_ports(s) if p.get("name")}
        for endpoint in endpoints:
            port = endpoint.get("port") if isinstance(endpoint, Mapping) else None
            if not isinstance(port, str) or port in names:
                continue
            line = endpoint.line_of("port") if hasattr(endpoint, "line_of") else monitor.line
            which = ", ".join(sorted({s.name + in_file(s, monitor) for s in selected}))
            yield Hit(monitor.path, line,
                      f"{describe(monitor)} scrapes port '{port}', but the Service(s) it "
                      f"selects ({which}) have no port of that name (named ports: "
                      f"{', '.join(sorted(names)) or 'none'}); name the Service port "
                      f"'{port}' or use an existing name")
