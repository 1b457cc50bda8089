"""## What it does
Reports a Celery prefork worker whose `--concurrency` (or the maximum of `--autoscale`) is
above what the container's CPU allowance justifies: `2 × cores + 1`, where cores is the CPU
limit (else the request), rounded up.

## Why is this bad?
Each prefork pool process is a full Python process with the app imported. Beyond the CPU the
pod may use, more processes only add memory and CFS throttling: tasks get slower, not more
parallel, and the pod risks an OOM kill. For I/O-bound tasks use the `threads`, `gevent` or
`eventlet` pool instead of more processes.

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
          command: ["celery", "-A", "proj", "worker", "--autoscale=16,2"]
          resources:
            requests: {cpu: 500m, memory: 1Gi}
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
          command: ["celery", "-A", "proj", "worker", "--autoscale=3,1"]
          resources:
            requests: {cpu: 500m, memory: 1Gi}
```

## Fix safety
No automatic fix: lower the concurrency or raise the CPU, and measure.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.processes import is_prefork, option_origin, servers
from podfit.check.model.workloads import container_name, cpu_allowance, resources
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity
from podfit.core.policy import max_workers_for_cpu
from podfit.core.units import format_cpu

RULE = Rule(code="PF304", name="celery-concurrency-exceeds-cpu", severity=Severity.WARNING,
            summary="Celery prefork concurrency above the container's CPU allowance.",
            category=Category.CONCURRENCY)


def _autoscale_max(value: str | None) -> int | None:
    head = (value or "").split(",", 1)[0].strip()
    return int(head) if head.isdigit() else None


def check(model: Model) -> Iterator[Hit]:
    for workload, server in servers(model):
        command = server.command
        if command.kind != "celery" or command.subcommand != "worker" or not is_prefork(server):
            continue
        cpu = cpu_allowance(workload.container)
        if cpu is None or cpu <= 0:
            continue
        ceiling = max_workers_for_cpu(cpu)
        autoscale = _autoscale_max(server.options.get("autoscale"))
        key, count = ("autoscale", autoscale) if autoscale is not None else (
            "concurrency", server.int_option("concurrency"))
        if count is None or count <= ceiling:
            continue
        which = "limit" if resources(workload.container).cpu_limit is not None else \
            "request (no limit)"
        origin = option_origin(server, workload, key)
        label = "--autoscale maximum" if key == "autoscale" else "--concurrency"
        yield Hit(workload.obj.path, workload.line_of("resources", "command", "args", "image"),
                  f"container '{container_name(workload)}' runs a Celery prefork pool of up to "
                  f"{count} processes ({label}, from {origin.text}) but its CPU {which} is "
                  f"{format_cpu(cpu)}: more than {ceiling} (2 × {max(1, math.ceil(cpu))} + 1) "
                  "only add memory and throttling; lower it, raise the CPU, or use a threads/"
                  "gevent pool for I/O-bound tasks")
