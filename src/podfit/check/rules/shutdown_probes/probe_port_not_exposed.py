"""## What it does
Reports a liveness, readiness or startup probe (`httpGet`, `tcpSocket` or `grpc`) whose port
the container does not expose:

- a port **name** that is not the name of one of the container's `ports` — always;
- a port **number** that none of the container's `ports` has — only when the container
  declares ports at all (declaring ports is optional; an undeclared port is still reachable).

Probes with `httpGet.host` (pointed elsewhere), ports left as template placeholders (`${PORT}`)
and containers whose `containerPort`s are not numbers are skipped, as are Jobs and CronJobs.

## Why is this bad?
An unresolvable port name makes the kubelet fail the probe every time: a readiness probe keeps
the pod out of its Service forever, a liveness probe restarts it in a loop. A wrong number
usually means the app moved (`8000` → `8080`) and the probe did not follow: it checks a port
nothing listens on. Both show up only after deploying.

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
          readinessProbe:
            httpGet: {path: /readyz, port: web}
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
```

## Fix safety
No automatic fix: either the probe or the port list is wrong, and only you know which.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from podfit.check.model import Model
from podfit.check.model.probes import probe
from podfit.check.model.workloads import container_ports, key_line, port_matches, serving_workloads
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity

RULE = Rule(code="PF514", name="probe-port-not-exposed", severity=Severity.WARNING,
            summary="Probe targets a port the container does not expose.",
            category=Category.SHUTDOWN_PROBES)


def check(model: Model) -> Iterator[Hit]:
    for workload in serving_workloads(model):
        ports = container_ports(workload.container)
        if any(p.number is None for p in ports):
            continue  # a templated or invalid containerPort: nothing to compare with
        declared = ", ".join(f"{p.name}={p.number}" if p.name else str(p.number)
                             for p in ports) or "none"
        for kind in ("liveness", "readiness", "startup"):
            spec = probe(workload.container, kind)
            if spec is None:
                continue
            for handler_kind in ("httpGet", "tcpSocket", "grpc"):
                handler = spec.get(handler_kind)
                if not isinstance(handler, Mapping) or "port" not in handler or (
                        handler.get("host")):
                    continue
                port = handler["port"]
                if isinstance(port, str) and ("$" in port or "{" in port):
                    continue  # a template placeholder, resolved at deploy time
                named = isinstance(port, str) and not port.isdigit()
                if port_matches(port, ports) or not (named or ports):
                    continue
                what = f"port name '{port}'" if named else f"port {port}"
                line = key_line(handler, "port", workload.line_of(f"{kind}Probe"))
                consequence = ("the kubelet cannot resolve it and the probe always fails"
                               if named else "the probe likely checks a port nothing listens on")
                yield Hit(workload.obj.path, int(line),
                          f"{workload.obj.ref} container '{workload.ref.name}': the {kind}Probe "
                          f"uses {what}, which the container does not declare (ports: "
                          f"{declared}): {consequence}; fix the probe or the ports list")
