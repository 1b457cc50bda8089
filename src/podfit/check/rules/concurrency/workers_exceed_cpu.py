"""## What it does
Reports a gunicorn, uvicorn or hypercorn container that starts more worker processes than its
CPU allowance justifies: more than `2 × cores + 1`, where cores is the container's CPU limit
(else its request), rounded up.

## Why is this bad?
Python runs one thread of Python per process at a time, so workers beyond the CPU the pod may
use do not add throughput: they add memory (each worker imports the whole app), context
switches and CFS throttling, which shows up as latency spikes and OOM kills. Scale out with
replicas, or use threads or an async worker for I/O-bound apps.

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
          command: ["gunicorn", "--workers", "9", "app:app"]
          resources:
            limits: {cpu: "1", memory: 1Gi}
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
        - name: web
          image: registry.example/web:1.0
          command: ["gunicorn", "--workers", "3", "app:app"]
          resources:
            limits: {cpu: "1", memory: 1Gi}
```

## Fix safety
No automatic fix: the worker count may be set in the command, the environment, a config file
or the image, and the right number depends on the app (measure it with `podfit profile`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.processes import option_origin, servers
from podfit.check.model.servers import WEB_KINDS, display, uses_podfit_runtime
from podfit.check.model.workloads import container_name, cpu_allowance, resources
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity
from podfit.core.policy import max_workers_for_cpu
from podfit.core.units import format_cpu

RULE = Rule(code="PF301", name="workers-exceed-cpu", severity=Severity.WARNING,
            summary="More server workers than the container's CPU allowance justifies.",
            category=Category.CONCURRENCY)


def check(model: Model) -> Iterator[Hit]:
    for workload, server in servers(model):
        if server.command.kind not in WEB_KINDS or uses_podfit_runtime(server):
            continue
        workers = server.int_option("workers")
        cpu = cpu_allowance(workload.container)
        if workers is None or cpu is None or cpu <= 0:
            continue
        ceiling = max_workers_for_cpu(cpu)
        if workers <= ceiling:
            continue
        res = resources(workload.container)
        which = "limit" if res.cpu_limit is not None else "request (no limit)"
        origin = option_origin(server, workload, "workers")
        yield Hit(workload.obj.path, workload.line_of("resources", "command", "args", "image"),
                  f"container '{container_name(workload)}' runs {workers} "
                  f"{display(server.command.kind)} workers (from {origin.text}) but its CPU "
                  f"{which} is "
                  f"{format_cpu(cpu)}: more than {ceiling} workers "
                  f"(2 × {max(1, math.ceil(cpu))} + 1) only add memory and throttling; lower "
                  f"the workers to {ceiling} or "
                  "fewer, or raise the CPU")
