"""## What it does
Reports a `prometheus.io/scrape: "true"` annotation (on a pod template, or on a Service)
whose `prometheus.io/port` is not a number, or is a port that none of the pod's containers
declares while they do declare others.

## Why is this bad?
With the usual annotation-driven scrape config, Prometheus rewrites the target address to
`<pod IP>:<prometheus.io/port>`. A wrong port — typically the Service port, or the web port
instead of the metrics port of `prometheus_client`'s `start_http_server` — makes the target
go down, and the metrics are gone. A metrics port that is served but not declared is also
invisible to named-port NetworkPolicies and to readers of the manifest.

## Example
```yaml
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
      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: "9102"
    spec:
      containers:
        - name: web
          image: registry.example/web:1.4.2
          ports:
            - name: http
              containerPort: 8000
```

## Use instead
```yaml
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
      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: "9102"
    spec:
      containers:
        - name: web
          image: registry.example/web:1.4.2
          ports:
            - name: http
              containerPort: 8000
            - name: metrics
              containerPort: 9102
```

## Fix safety
No automatic fix: podfit cannot tell which side is wrong.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from podfit.check.model import Model
from podfit.check.model.documents import KubeObject
from podfit.check.model.links import mentioned_ports
from podfit.check.model.workloads import all_ports, declares_ports, describe
from podfit.check.rule import Category, Hit, Rule
from podfit.core.kube import dig, pod_spec_path
from podfit.core.models import Severity

RULE = Rule(code="PF609", name="scrape-port-not-exposed", severity=Severity.WARNING,
            summary="prometheus.io/port names a port the pod's containers do not expose.",
            category=Category.SERVICES)

SCRAPE, PORT = "prometheus.io/scrape", "prometheus.io/port"


def _annotations(obj: KubeObject) -> Mapping[str, Any] | None:
    """The pod template's annotations (a bare Pod's own), or a Service's."""
    path = pod_spec_path(obj.data)
    if obj.kind in {"Service", "Pod"}:
        found = dig(obj.data, "metadata", "annotations")
    elif path:
        found = dig(obj.data, *path[:-1], "metadata", "annotations")
    else:
        return None
    return found if isinstance(found, Mapping) else None


def check(model: Model) -> Iterator[Hit]:
    for obj in model.objects:
        notes = _annotations(obj)
        if not notes or str(notes.get(SCRAPE)).lower() != "true" or notes.get(PORT) is None:
            continue
        value = str(notes[PORT]).strip()
        line = notes.line_of(PORT) if hasattr(notes, "line_of") else obj.line
        if not value.isdecimal():
            yield Hit(obj.path, line, f"{describe(obj)}: {PORT} is '{value}', not a port "
                      "number; Prometheus needs the numeric metrics port")
            continue
        targets = model.links.pods_of_service(obj) if obj.kind == "Service" else [obj]
        if not targets or not all(declares_ports(t) for t in targets):
            continue  # undeclared ports can still be served; nothing to compare with
        declared = {p.number for t in targets for p in all_ports(t) if p.number}
        if int(value) in declared or any(int(value) in mentioned_ports(model, t)
                                         for t in targets):
            continue
        listing = ", ".join(str(n) for n in sorted(declared))
        whose = "its containers" if obj.kind != "Service" else \
            f"the containers of {', '.join(sorted({t.ref for t in targets}))}"
        yield Hit(obj.path, line,
                  f"{describe(obj)} asks Prometheus to scrape port {value}, but {whose} "
                  f"declare only {listing}; declare the metrics port in the container's ports "
                  "or fix the annotation")
