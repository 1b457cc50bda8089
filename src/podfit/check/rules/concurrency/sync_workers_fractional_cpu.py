"""## What it does
Reports gunicorn running its default `sync` workers without threads in a container whose CPU
limit is below one core.

## Why is this bad?
A sync worker handles one request at a time and holds a whole process for it, including while
it waits on the database. Under a fractional CPU quota (say `500m`) the kernel's CFS lets the
container run 50 ms in every 100 ms period: a request that needs 60 ms of CPU is paused until
the next period, so p99 latency jumps in 100 ms steps, and the liveness probe queues behind
slow requests. Give it at least one CPU, or use threads so waiting requests do not hold the
quota hostage.

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
          command: ["gunicorn", "--workers", "2", "app:app"]
          resources:
            limits: {cpu: 500m, memory: 512Mi}
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
          command: ["gunicorn", "--workers", "2", "--worker-class", "gthread",
                    "--threads", "4", "app:app"]
          resources:
            limits: {cpu: 500m, memory: 512Mi}
```

## Fix safety
No automatic fix: threads need a thread-safe app, and a larger limit costs money.
"""

from __future__ import annotations

from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.processes import option_origin, servers
from podfit.check.model.servers import uses_podfit_runtime
from podfit.check.model.workloads import container_name, resources
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity
from podfit.core.units import format_cpu

RULE = Rule(code="PF305", name="sync-workers-fractional-cpu", severity=Severity.WARNING,
            summary="gunicorn sync workers without threads under a CPU limit below 1 core.",
            category=Category.CONCURRENCY)

_SYNC = {"sync", "gunicorn.workers.sync.SyncWorker", "gunicorn.workers.SyncWorker"}


def check(model: Model) -> Iterator[Hit]:
    for workload, server in servers(model):
        if server.command.kind != "gunicorn":
            continue
        worker_class = server.options.get("worker_class", "sync").strip("'\"")
        threads = server.int_option("threads")
        if worker_class not in _SYNC or (threads is None and "threads" in server.options):
            continue  # another class, or threads computed in a config: not judged
        if "worker_class" not in server.options and uses_podfit_runtime(server):
            continue  # podfit.runtime.gunicorn_conf runs gthread x 8 unless told otherwise
        if threads is not None and threads > 1:
            continue  # gunicorn switches sync to gthread when threads > 1
        limit = resources(workload.container).cpu_limit
        if limit is None or limit >= 1 or limit <= 0:
            continue
        origin = option_origin(server, workload, "worker_class")
        yield Hit(workload.obj.path, workload.line_of("resources", "command", "args", "image"),
                  f"container '{container_name(workload)}' runs gunicorn sync workers without "
                  f"threads (worker class from {origin.text}) under a CPU limit of "
                  f"{format_cpu(limit)}: each request holds a whole process and the quota "
                  "throttles it in 100 ms CFS periods, so p99 latency spikes; use "
                  "`--worker-class gthread --threads 8` (podfit.runtime's default for unmeasured "
                  "apps; `podfit profile` measures the best count) or a CPU limit of at least 1")
