"""## What it does
Reports a web server container whose pod's `terminationGracePeriodSeconds` (30 by default) is
shorter than its shutdown needs: the preStop sleep, plus podfit.runtime's drain delay if used,
plus the server's graceful timeout (gunicorn `graceful_timeout`, 30 s by default; uvicorn
`--timeout-graceful-shutdown`; hypercorn `graceful_timeout`, 3 s by default), plus a 3 s
margin for the process to exit and flush its logs (the budget podfit.runtime and
`podfit init` use too).

## Why is this bad?
The grace period starts when the preStop hook starts, not at SIGTERM. If the preStop sleep
and the server's drain together outlast it, the kubelet SIGKILLs the server while it is
still finishing requests: gunicorn's default 30 s drain never fits the default 30 s grace
period once any preStop sleep runs before it (cds-snc/notification-api#1237).

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
        - name: web
          image: registry.example/web:1.0
          command: ["gunicorn", "--graceful-timeout", "25", "app:app"]
          lifecycle:
            preStop:
              sleep: {seconds: 10}
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
      terminationGracePeriodSeconds: 40
      containers:
        - name: web
          image: registry.example/web:1.0
          command: ["gunicorn", "--graceful-timeout", "25", "app:app"]
          lifecycle:
            preStop:
              sleep: {seconds: 10}
```

## Fix safety
Unsafe: sets `terminationGracePeriodSeconds` to the sum. Pods then take longer to go away on
rollouts and node drains; you may prefer a shorter graceful timeout.
"""

from __future__ import annotations

from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.processes import drain_seconds, option_origin, servers
from podfit.check.model.servers import WEB_KINDS, EffectiveServer, display, uses_podfit_runtime
from podfit.check.model.workloads import (
    container_name,
    grace_period,
    pod_spec_yaml_path,
    prestop_sleep,
)
from podfit.check.rule import Category, Hit, Rule
from podfit.core.kube import SERVING_KINDS
from podfit.core.models import Fix, FixSafety, Severity, YamlEdit
from podfit.core.shutdown import MARGIN, ShutdownBudget

RULE = Rule(code="PF544", name="grace-period-too-short", severity=Severity.WARNING,
            summary="terminationGracePeriodSeconds < preStop sleep + graceful timeout + margin.",
            category=Category.SHUTDOWN_PROBES, fix=FixSafety.UNSAFE)

_DEFAULT_GRACEFUL = {"gunicorn": 30, "hypercorn": 3}


def graceful_timeout(server: EffectiveServer) -> int | None:
    """The server's drain time in seconds; ``None`` when unknown or unbounded."""
    value = server.int_option("graceful_timeout")
    if value is None and "graceful_timeout" not in server.options:
        env = server.env.get("UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN", "")
        value = int(env) if env.isdigit() and server.command.kind == "uvicorn" else None
        if value is None and not uses_podfit_runtime(server):
            value = _DEFAULT_GRACEFUL.get(server.command.kind)
    return value


def check(model: Model) -> Iterator[Hit]:
    for workload, server in servers(model):
        if workload.obj.kind not in SERVING_KINDS or server.command.kind not in WEB_KINDS:
            continue
        graceful = graceful_timeout(server)
        if graceful is None:
            continue
        grace, grace_line = grace_period(workload.obj)
        sleep = prestop_sleep(workload.container)
        drain = drain_seconds(server) or 0
        needed = ShutdownBudget(prestop=sleep, drain=drain, graceful=graceful).grace_period
        if needed <= grace:
            continue
        origin = option_origin(server, workload, "graceful_timeout")
        terms = [f"preStop sleep {sleep} s"] + ([f"podfit drain {drain} s"] if drain else [])
        kind = display(server.command.kind)
        terms += [f"{kind} graceful timeout {graceful} s (from {origin.text})",
                  f"{MARGIN} s margin"]
        fix = Fix(f"set terminationGracePeriodSeconds to {needed}", FixSafety.UNSAFE,
                  yaml_edits=(YamlEdit(workload.obj.document, pod_spec_yaml_path(workload.obj),
                                       "terminationGracePeriodSeconds", needed, "set"),))
        line = grace_line or workload.line_of("lifecycle", "command", "args", "image")
        written = "" if grace_line else " (the default)"
        yield Hit(workload.obj.path, line,
                  f"container '{container_name(workload)}': terminationGracePeriodSeconds "
                  f"{grace}{written} is less than {' + '.join(terms)} = {needed} s: the server "
                  f"is SIGKILLed mid-drain; raise the grace period to {needed} or shorten the "
                  "graceful timeout", fix=fix)
