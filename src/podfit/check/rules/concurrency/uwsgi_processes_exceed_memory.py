"""## What it does
Reports a container running uWSGI whose processes (`processes`, from the ini file,
`UWSGI_PROCESSES` or the command line), plus the master when `master` is on, need more
memory than its limit at `worker-memory` each (the floor of one Python web worker, 60Mi by
default) — the check gunicorn's workers get (PF307).

Needs: a container whose command (or its image's CMD) is `uwsgi` and a memory limit.

## Why is this bad?
Every uWSGI process imports the app (unless `lazy-apps` is off and the app is tiny, the copies
do not share much). Past the limit the kernel's OOM killer ends the container, usually at
peak load, and the restart drops every request in flight.

## Example
```yaml
# file: k8s.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: web
          image: ghcr.io/acme/web:1
          command: [uwsgi, --master, --processes, "8"]
          resources: {limits: {memory: 256Mi}}
```

## Use instead
```yaml
# file: k8s.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: web
          image: ghcr.io/acme/web:1
          command: [uwsgi, --master, --processes, "2"]
          resources: {limits: {memory: 256Mi}}
```

## Fix safety
No automatic fix: memory per process is a measurement (`podfit profile`).
"""

from __future__ import annotations

from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.processes import servers
from podfit.check.model.workloads import container_name, resources
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity
from podfit.core.policy import DEFAULT_WORKER_MEMORY_BYTES
from podfit.core.units import format_memory, parse_memory

RULE = Rule(code="PF310", name="uwsgi-processes-exceed-memory", severity=Severity.ERROR,
            summary="uWSGI's processes need more memory than the container's limit.",
            category=Category.CONCURRENCY)


def check(model: Model) -> Iterator[Hit]:
    try:
        per_process = parse_memory(model.settings.worker_memory)
    except ValueError:
        per_process = DEFAULT_WORKER_MEMORY_BYTES
    for workload, server in servers(model):
        if str(server.command.kind) != "uwsgi":
            continue
        limit = resources(workload.container).memory_limit
        near = server.dockerfile.path if server.dockerfile is not None else workload.obj.path
        config = model.files.uwsgi_settings(server.command.argv, server.env, near)
        processes = config.int_option("processes") or 1
        master = 1 if config.flag("master") else 0
        if limit is None or limit <= 0:
            continue
        total = (processes + master) * per_process
        if total <= limit:
            continue
        fit = int(limit // per_process) - master
        fewer = f"run at most {fit} processes or " if fit > 0 else ""
        yield Hit(workload.obj.path, workload.line_of("resources", "command", "image"),
                  f"container '{container_name(workload)}' runs {processes} uWSGI processes"
                  f"{' + 1 master' if master else ''}; at {format_memory(per_process)} each "
                  f"that is {format_memory(total)}, above its memory limit of "
                  f"{format_memory(limit)}: {fewer}raise the limit to {format_memory(total)} "
                  "or more")
