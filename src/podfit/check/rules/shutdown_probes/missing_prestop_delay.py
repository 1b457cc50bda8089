"""## What it does
Reports a web server container (gunicorn, uvicorn, hypercorn, `fastapi run`) in a workload
that a Service selects, with no `lifecycle.preStop` hook to delay SIGTERM. Containers that use
podfit.runtime's drain (`PODFIT_DRAIN_SECONDS`, or `-c python:podfit.runtime.gunicorn_conf`)
are not reported: the drain keeps serving after SIGTERM instead.

## Why is this bad?
On deletion, the kubelet sends SIGTERM while the control plane removes the pod from the
Service's endpoints; the two run in parallel. gunicorn and uvicorn close their listening
socket the moment SIGTERM arrives, but kube-proxy on every node, Ingress controllers and
cloud load balancers keep routing new requests to the pod for a few seconds more — those
requests get connection refused or a 502 on every rollout (PostHog/charts-clickhouse#543).

## Example
```yaml
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8000}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: registry.example/web:1.0
          command: ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]
```

## Use instead
```yaml
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8000}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: registry.example/web:1.0
          command: ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]
          lifecycle:
            preStop:
              sleep: {seconds: 5}
```

## Fix safety
Unsafe: adds a 5 s preStop sleep (the native `sleep` action on Kubernetes 1.30+, else
`exec: [sleep, "5"]`, which needs a `sleep` binary in the image). Shutdown then takes 5 s
longer, which counts against the grace period.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from podfit.check.model import Model
from podfit.check.model.processes import servers
from podfit.check.model.servers import WEB_KINDS, display, uses_podfit_runtime
from podfit.check.model.workloads import Workload, container_name, prestop, yaml_path
from podfit.check.rule import Category, Hit, Rule
from podfit.core.kube import SERVING_KINDS
from podfit.core.models import Fix, FixSafety, Severity, YamlEdit

RULE = Rule(code="PF545", name="missing-prestop-delay", severity=Severity.WARNING,
            summary="Server behind a Service without a preStop delay: requests fail on rollout.",
            category=Category.SHUTDOWN_PROBES, fix=FixSafety.UNSAFE)

SLEEP_SECONDS = 5


def _fix(model: Model, workload: Workload) -> Fix:
    hook: dict[str, object] = {"sleep": {"seconds": SLEEP_SECONDS}} \
        if model.settings.kube_minor >= 30 else \
        {"exec": {"command": ["sleep", str(SLEEP_SECONDS)]}}
    if isinstance(workload.container.get("lifecycle"), Mapping):
        edit = YamlEdit(workload.obj.document, yaml_path(workload, "lifecycle"), "preStop", hook)
    else:
        edit = YamlEdit(workload.obj.document, yaml_path(workload), "lifecycle",
                        {"preStop": hook})
    return Fix(f"add a {SLEEP_SECONDS} s preStop sleep", FixSafety.UNSAFE, yaml_edits=(edit,))


def check(model: Model) -> Iterator[Hit]:
    if not any(model.objects_of("Service")):
        return
    for workload, server in servers(model):
        if workload.obj.kind not in SERVING_KINDS or server.command.kind not in WEB_KINDS:
            continue
        if prestop(workload.container) is not None or uses_podfit_runtime(server) or \
                "PODFIT_DRAIN_SECONDS" in server.env:
            continue
        services = model.links.services_for(workload.obj)
        if not services:
            continue
        yield Hit(workload.obj.path, workload.line_of("lifecycle", "command", "args", "image"),
                  f"container '{container_name(workload)}' is behind Service/{services[0].name}"
                  f" but has no preStop delay: {display(server.command.kind)} closes its socket on "
                  "SIGTERM while endpoints are still being removed, so requests routed in the "
                  f"next seconds fail; add `lifecycle.preStop.sleep.seconds: {SLEEP_SECONDS}` "
                  "(or use podfit.runtime's drain, PODFIT_DRAIN_SECONDS)",
                  fix=_fix(model, workload))
