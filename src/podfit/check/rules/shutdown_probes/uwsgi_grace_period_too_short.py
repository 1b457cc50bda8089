"""## What it does
Reports a serving container whose uWSGI drains on SIGTERM (`hook-master-start =
unix_signal:15 gracefully_kill_them_all`) when the pod's `terminationGracePeriodSeconds` (30
by default) is shorter than the shutdown needs: the preStop sleep, plus the longest a worker
may keep finishing its request — `harakiri` (uWSGI's request timeout), capped by
`worker-reload-mercy` (60 s by default) — plus the 3 s exit margin, the budget PF544 applies
to gunicorn.

Needs: a command that is `uwsgi` (Python by construction) and its options (ini file among the
inputs, command line or `UWSGI_*` env). uWSGI with only `die-on-term` kills its workers at
once on SIGTERM (nothing to budget); without either it reloads (PF549).

## Why is this bad?
The grace period starts with the preStop hook. A worker still inside a request when it runs
out is SIGKILLed with the request in flight — the drop the graceful shutdown was meant to
avoid: with `harakiri = 60` no request is cut short by uWSGI, but the default 30 s grace
period cuts it at 30.

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
          command: [uwsgi, --master, --http-socket, ":8080", --module, "app:app",
                    --harakiri, "30", --hook-master-start,
                    "unix_signal:15 gracefully_kill_them_all"]
          lifecycle:
            preStop:
              sleep: {seconds: 5}
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
          command: [uwsgi, --master, --http-socket, ":8080", --module, "app:app",
                    --harakiri, "30", --hook-master-start,
                    "unix_signal:15 gracefully_kill_them_all"]
          lifecycle:
            preStop:
              sleep: {seconds: 5}
```

## Fix safety
Unsafe: sets `terminationGracePeriodSeconds` to the sum. Pods then take longer to go away on
rollouts and node drains; you may prefer a shorter `harakiri`.
"""

from __future__ import annotations

from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.documents import DEFAULT_WORKER_MERCY, UwsgiConfig, drains_on_term
from podfit.check.model.processes import servers
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

RULE = Rule(code="PF550", name="uwsgi-grace-period-too-short", severity=Severity.WARNING,
            summary="terminationGracePeriodSeconds < preStop sleep + uWSGI harakiri + margin.",
            category=Category.SHUTDOWN_PROBES, fix=FixSafety.UNSAFE)


def _source(config: UwsgiConfig, name: str) -> str:
    option = config.options.get(name)
    if option is None:
        return "uWSGI's default"
    if option.line:
        return f"{config.path}:{option.line}"
    return option.origin


def drain_limit(config: UwsgiConfig) -> tuple[int, str]:
    """How long a draining worker may still run, and which option says so: ``harakiri``
    bounds the request, ``worker-reload-mercy`` the wait for the worker (the smaller wins)."""
    mercy = config.int_option("worker-reload-mercy")
    mercy = DEFAULT_WORKER_MERCY if mercy is None or mercy <= 0 else mercy
    harakiri = config.int_option("harakiri")
    if harakiri is not None and 0 < harakiri <= mercy:
        return harakiri, f"harakiri {harakiri} s (from {_source(config, 'harakiri')})"
    return mercy, (f"worker-reload-mercy {mercy} s (from {_source(config, 'worker-reload-mercy')}"
                   f"{'; no harakiri' if not harakiri else ''})")


def check(model: Model) -> Iterator[Hit]:
    for workload, server in servers(model):
        if str(server.command.kind) != "uwsgi" or workload.obj.kind not in SERVING_KINDS:
            continue
        near = server.dockerfile.path if server.dockerfile is not None else workload.obj.path
        config = model.files.uwsgi_settings(server.command.argv, server.env, near)
        if not drains_on_term(config):
            continue  # die-on-term kills at once; without it SIGTERM reloads (PF549)
        limit, why = drain_limit(config)
        grace, grace_line = grace_period(workload.obj)
        sleep = prestop_sleep(workload.container)
        needed = ShutdownBudget(prestop=sleep, graceful=limit).grace_period
        if needed <= grace:
            continue
        fix = Fix(f"set terminationGracePeriodSeconds to {needed}", FixSafety.UNSAFE,
                  yaml_edits=(YamlEdit(workload.obj.document, pod_spec_yaml_path(workload.obj),
                                       "terminationGracePeriodSeconds", needed, "set"),))
        line = grace_line or workload.line_of("lifecycle", "command", "args", "image")
        written = "" if grace_line else " (the default)"
        yield Hit(workload.obj.path, line,
                  f"container '{container_name(workload)}': terminationGracePeriodSeconds "
                  f"{grace}{written} is less than preStop sleep {sleep} s + uWSGI {why} + "
                  f"{MARGIN} s margin = {needed} s: a worker still in a request is SIGKILLed; "
                  f"raise the grace period to {needed} or set a lower harakiri", fix=fix)
