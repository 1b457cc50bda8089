"""## What it does
Reports a Service port whose `targetPort` no selected container exposes: a named
`targetPort` must be the `name` of a container port, and a numeric one must be a declared
`containerPort` when the containers declare their ports. Without `targetPort`, the target is
the Service `port` itself.

## Why is this bad?
Traffic is sent to a port nobody listens on. A named `targetPort` that no pod defines leaves
the Service without endpoints; a wrong number gives connection refused on every request,
while the pods look healthy. A common source: the Service says `port: 80` without
`targetPort`, and the Python server listens on 8000.

## Example
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
            - name: http
              containerPort: 8000
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
      targetPort: http
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
            - name: http
              containerPort: 8000
```

## Fix safety
No automatic fix: the port the server really listens on is not always declared.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from podfit.check.model import Model
from podfit.check.model.links import mentioned_ports
from podfit.check.model.related import ref_in_file
from podfit.check.model.workloads import (
    declares_ports,
    describe,
    key_line,
    knows_ports,
    port_matches,
    templated,
)
from podfit.check.rule import Category, Hit, Rule
from podfit.core.kube import dig
from podfit.core.models import Severity

RULE = Rule(code="PF602", name="service-target-port-missing", severity=Severity.ERROR,
            summary="Service targetPort is not a port of the containers it selects.",
            category=Category.SERVICES)

#: A valid port name (IANA_SVC_NAME); anything else is a placeholder or a schema error.
PORT_NAME = re.compile(r"^(?=.*[a-z])[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$")


def check(model: Model) -> Iterator[Hit]:
    for service in model.objects_of("Service"):
        selector = dig(service.data, "spec", "selector")
        ports = dig(service.data, "spec", "ports")
        if not isinstance(selector, Mapping) or not selector or not isinstance(ports, list):
            continue
        pods = model.links.pod_index(service)
        selected = model.links.pods_of_service(service)
        if not selected or not all(knows_ports(o) for o in selected):
            continue  # PF601's finding, or pods made by an operator
        exposed = [p for obj in selected for p in pods.ports(obj)]
        undeclared = any(not declares_ports(obj) for obj in selected)
        listened: set[int] | None = None
        names = ", ".join(sorted({ref_in_file(o, service) for o in selected}))
        for index, port in enumerate(ports):
            if not isinstance(port, Mapping):
                continue
            target = port.get("targetPort", port.get("port"))
            if isinstance(target, bool) or not isinstance(target, int | str):
                continue  # missing or malformed: the schema rule's business
            named = isinstance(target, str) and not target.isdecimal()
            if templated(target) or (named and not PORT_NAME.match(
                    str(target))) or (not named and undeclared) or port_matches(target, exposed):
                continue
            if not named:
                listened = set().union(*(mentioned_ports(model, o) for o in selected)) \
                    if listened is None else listened
                if int(str(target)) in listened:
                    continue  # served, only not declared
            line = key_line(port, "targetPort", ports.item_lines[index] if hasattr(
                ports, "item_lines") else service.line)
            if named:
                declared = ", ".join(sorted({p.name for p in exposed if p.name})) or "none"
                what, listing = f"port name '{target}'", f"named ports: {declared}"
            else:
                declared = ", ".join(sorted({str(p.number) for p in exposed if p.number}))
                what, listing = f"containerPort {target}", f"declared: {declared}"
            implicit = "" if "targetPort" in port else " (no targetPort: it defaults to port)"
            only = {p.name or str(p.number) for p in exposed}
            advice = f"set targetPort: {only.pop()}" if len(only) == 1 else \
                "set targetPort to the port the server listens on"
            yield Hit(service.path, line,
                      f"{describe(service)} targets {what}{implicit}, which the containers of "
                      f"{names} do not expose ({listing}); {advice}")
