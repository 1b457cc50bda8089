"""## What it does
Reports a Celery worker with the (default) prefork pool started without `--concurrency`
(or `-c`, `--autoscale`, `CELERY_WORKER_CONCURRENCY`).

## Why is this bad?
Celery then forks one pool process per CPU that `billiard.cpu_count()` sees — the **node's**
CPUs, not the pod's limit. A worker pod with 1 CPU on a 20-core node forks 20 processes, each
importing your app and its tasks' dependencies, and is OOMKilled or throttled; the same image
behaves differently on every node size (prowler-cloud/prowler#10968).

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: worker}
spec:
  selector: {matchLabels: {app: worker}}
  template:
    metadata: {labels: {app: worker}}
    spec:
      containers:
        - name: worker
          image: registry.example/app:1.0
          command: ["celery", "-A", "proj", "worker", "--loglevel=INFO"]
          resources:
            limits: {cpu: "1", memory: 1Gi}
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: worker}
spec:
  selector: {matchLabels: {app: worker}}
  template:
    metadata: {labels: {app: worker}}
    spec:
      containers:
        - name: worker
          image: registry.example/app:1.0
          command: ["celery", "-A", "proj", "worker", "--concurrency=2", "--loglevel=INFO"]
          resources:
            limits: {cpu: "1", memory: 1Gi}
```

## Fix safety
Unsafe, and only for a container with a CPU limit or request whose command is written as a
list: adds `--concurrency=N` with N the whole cores (at least 1). If the app sets
`worker_concurrency` in its Celery config, suppress this finding instead: podfit does not
import your code to see it.
"""

from __future__ import annotations

from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.processes import append_argument_fix, commands, is_prefork
from podfit.check.model.servers import short
from podfit.check.model.workloads import container_name, cpu_allowance
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import FixSafety, Severity
from podfit.core.units import format_cpu

RULE = Rule(code="PF303", name="celery-concurrency-unset", severity=Severity.WARNING,
            summary="Celery prefork worker without --concurrency: one process per node CPU.",
            category=Category.CONCURRENCY, fix=FixSafety.UNSAFE)

_ENV = ("CELERY_WORKER_CONCURRENCY", "CELERYD_CONCURRENCY")


def check(model: Model) -> Iterator[Hit]:
    for server, workload in commands(model):
        command = server.command
        if command.kind != "celery" or command.subcommand != "worker" or not is_prefork(server):
            continue
        if "concurrency" in server.options or "autoscale" in server.options or any(
                server.env.get(name) for name in _ENV):
            continue
        cpu = cpu_allowance(workload.container) if workload else None
        who = f"container '{container_name(workload)}' runs a" if workload else "a"
        size = (f"; with {format_cpu(cpu)} CPU, `--concurrency={max(1, int(cpu))}` is a start"
                if cpu else "; set it from the pod's CPU")
        fix = append_argument_fix(server, workload, f"--concurrency={max(1, int(cpu))}",
                                  f"add --concurrency={max(1, int(cpu))}") if cpu else None
        yield Hit(server.path, server.line,
                  f"{who} Celery worker without --concurrency ({short(server.path)} line "
                  f"{server.line}): the prefork pool forks one process per CPU of the node, "
                  f"not of the pod{size}", fix=fix)
