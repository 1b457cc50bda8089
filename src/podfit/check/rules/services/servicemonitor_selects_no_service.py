"""## What it does
Reports a Prometheus-operator `ServiceMonitor` (`monitoring.coreos.com/v1`) whose `selector`
matches the labels of no Service in the namespaces it watches (its own, or those of
`namespaceSelector`), when the inputs hold Services there.

## Why is this bad?
Prometheus silently scrapes nothing: no target appears, no alert fires, and dashboards stay
empty until someone notices. The selector matches the Service's own `metadata.labels` — not
its `spec.selector` and not the pod labels — which is the usual trap.

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
spec:
  selector:
    app: web
  ports:
    - name: metrics
      port: 9102
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
No automatic fix: the labels may belong on the Service or in the selector.
"""

from __future__ import annotations

from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.routes import (
    is_monitor,
    label_selector_matches,
    monitor_namespaces,
    object_labels,
)
from podfit.check.model.workloads import describe, key_line
from podfit.check.rule import Category, Hit, Rule
from podfit.core.kube import dig
from podfit.core.models import Severity

RULE = Rule(code="PF605", name="servicemonitor-selects-no-service", severity=Severity.WARNING,
            summary="ServiceMonitor selector matches no Service: nothing is scraped.",
            category=Category.SERVICES)


def check(model: Model) -> Iterator[Hit]:
    for monitor in model.objects_of("ServiceMonitor"):
        if not is_monitor(monitor, "ServiceMonitor"):
            continue
        index = model.links.service_index(monitor)
        watched = monitor_namespaces(monitor)
        candidates = index.in_namespaces(watched)
        selector = dig(monitor.data, "spec", "selector")
        if not index.explicit(watched) or any(label_selector_matches(selector, object_labels(s))
                                 for s in candidates):
            continue
        spec = monitor.data.get("spec")
        line = key_line(spec, "selector", monitor.line)
        yield Hit(monitor.path, line,
                  f"{describe(monitor)} selects no Service: none of the {len(candidates)} "
                  "Service(s) it watches carries these metadata.labels; label the Service "
                  "(not only its pods) or fix the selector")
