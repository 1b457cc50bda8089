"""## What it does
Reports a container whose server processes cannot fit in its memory limit even at the
memory floor of an idle Python worker (`worker-memory`, 60Mi by default): gunicorn workers
plus the master, hypercorn workers plus the parent, uvicorn workers plus the supervisor (when
more than one), Celery prefork processes plus the main process.

## Why is this bad?
Every worker is a separate Python process with the framework and app imported; without
`--preload` nothing is shared. When workers × memory per worker exceeds the limit, the pod is
OOMKilled as soon as the workers warm up — usually under the first real load, not at start.

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
          command: ["gunicorn", "--workers", "8", "app:app"]
          resources:
            limits: {cpu: "4", memory: 256Mi}
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
          command: ["gunicorn", "--workers", "8", "app:app"]
          resources:
            limits: {cpu: "4", memory: 1Gi}
```

## Fix safety
No automatic fix: measure the real memory per worker (`podfit profile`) and size from that;
set `worker-memory` in `[tool.podfit]` to what you measured.
"""

from __future__ import annotations

from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.processes import option_origin, process_count, servers
from podfit.check.model.servers import display, uses_podfit_runtime
from podfit.check.model.workloads import container_name, resources
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity
from podfit.core.policy import DEFAULT_WORKER_MEMORY_BYTES
from podfit.core.units import format_memory, parse_memory

RULE = Rule(code="PF307", name="workers-exceed-memory", severity=Severity.ERROR,
            summary="Server processes × per-worker memory floor above the memory limit.",
            category=Category.CONCURRENCY)

_EXTRA = {"gunicorn": "master", "hypercorn": "parent", "uvicorn": "supervisor",
          "fastapi-run": "supervisor", "celery": "main process"}


def check(model: Model) -> Iterator[Hit]:
    try:
        per_worker = parse_memory(model.settings.worker_memory)
    except ValueError:
        per_worker = DEFAULT_WORKER_MEMORY_BYTES
    for workload, server in servers(model):
        counted = process_count(server)
        limit = resources(workload.container).memory_limit
        if counted is None or limit is None or limit <= 0 or uses_podfit_runtime(server):
            continue
        workers, extra = counted
        total = (workers + extra) * per_worker
        if total <= limit:
            continue
        kind = server.command.kind
        key = "concurrency" if kind == "celery" else "workers"
        origin = option_origin(server, workload, key)
        parts = f"{workers} workers" + (f" + 1 {_EXTRA[kind]}" if extra else "")
        fit = limit // per_worker - extra
        fewer = f"run at most {fit} workers or " if fit > 0 else ""
        yield Hit(workload.obj.path, workload.line_of("resources", "command", "args", "image"),
                  f"container '{container_name(workload)}' runs {parts} ({display(kind)}, "
                  "workers from "
                  f"{origin.text}) = {workers + extra} processes; at {format_memory(per_worker)} "
                  f"each that is {format_memory(total)}, above its memory limit of "
                  f"{format_memory(limit)}: {fewer}raise the limit to {format_memory(total)} "
                  "or more")
