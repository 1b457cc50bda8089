"""## What it does
Reports a container whose liveness probe runs the same check as its readiness probe (same
`httpGet` path, port and scheme; same `tcpSocket` port; same `grpc` port and service; same
`exec` command — named ports resolved, so `port: http` equals `port: 8080` when `http` is
8080) **and** gives up no later: the liveness failure window
(`failureThreshold × periodSeconds`) is at most the readiness one and its `timeoutSeconds` is at
most the readiness one. The same endpoint with a more patient liveness (e.g. a higher
`failureThreshold`, as the Kubernetes docs suggest) is not reported. gRPC probes are compared
too.

Needs: a container known to run Python (a Python server or command, an image linked to a
Dockerfile on a Python base, or a Python image), whose probe queues behind the same busy
workers as traffic; other and unknown runtimes are skipped.

## Why is this bad?
Readiness answers "send me traffic?", liveness "kill and restart me?". When both fail at the
same moment — an overloaded Python worker that answers slowly, a database hiccup checked by
the endpoint — Kubernetes does not just take the pod out of rotation, it restarts it, throwing
away warm caches and in-flight requests and pushing the load onto fewer pods, which then fail
too: a restart cascade instead of a slowdown.

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
          image: registry.example/python-web:1.4.2
          ports: [{name: grpc, containerPort: 8080}]
          readinessProbe:
            grpc: {port: 8080}
          livenessProbe:
            grpc: {port: 8080}
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
          image: registry.example/python-web:1.4.2
          ports: [{name: grpc, containerPort: 8080}]
          readinessProbe:
            grpc: {port: 8080}
          livenessProbe:
            grpc: {port: 8080}
            failureThreshold: 6
            timeoutSeconds: 3
```

## Fix safety
Unsafe: raises the liveness `failureThreshold` so its window is twice the readiness one; a pod
that is really stuck is then restarted later.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.probes import describe_handler, probe, probe_timing, resolved_handler
from podfit.check.model.programs import runs_python
from podfit.check.model.workloads import doc_path, serving_workloads
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Fix, FixSafety, Severity, YamlEdit

RULE = Rule(code="PF511", name="liveness-same-as-readiness", severity=Severity.WARNING,
            summary="Liveness probe is the readiness check and fails as fast: restarts instead "
                    "of rerouting.",
            category=Category.SHUTDOWN_PROBES, fix=FixSafety.UNSAFE)


def check(model: Model) -> Iterator[Hit]:
    for workload in serving_workloads(model):
        container = workload.container
        liveness, readiness = probe(container, "liveness"), probe(container, "readiness")
        if liveness is None or readiness is None:
            continue
        handler = resolved_handler(container, liveness)
        if handler is None or handler != resolved_handler(container, readiness):
            continue
        if runs_python(model, workload) is not True:
            continue
        live, ready = probe_timing(liveness), probe_timing(readiness)
        live_window = live["failureThreshold"] * live["periodSeconds"]
        ready_window = ready["failureThreshold"] * ready["periodSeconds"]
        if live_window > ready_window or live["timeoutSeconds"] > ready["timeoutSeconds"]:
            continue
        threshold = max(live["failureThreshold"] + 1,
                        math.ceil(2 * ready_window / live["periodSeconds"]))
        fix = Fix(f"set the liveness failureThreshold to {threshold}", FixSafety.UNSAFE,
                  yaml_edits=(YamlEdit(workload.obj.document, doc_path(
                      workload.obj, *workload.ref.path, "livenessProbe"), "failureThreshold",
                      threshold, "set"),))
        yield Hit(workload.obj.path, workload.line_of("livenessProbe"),
                  f"{workload.obj.ref} container '{workload.ref.name}': the livenessProbe is "
                  f"the readiness check ({describe_handler(liveness)}) and gives up as fast "
                  f"({live['failureThreshold']} × {live['periodSeconds']} s, timeout "
                  f"{live['timeoutSeconds']} s; readiness {ready['failureThreshold']} × "
                  f"{ready['periodSeconds']} s, timeout {ready['timeoutSeconds']} s): a slow pod "
                  "is restarted instead of taken out of rotation; point liveness at a cheap "
                  "/livez or make it more patient (failureThreshold, timeoutSeconds)", fix=fix)
