"""## What it does
Reports a container running uWSGI with more processes (`processes`/`workers`, from its ini
file, `UWSGI_PROCESSES` or the command line — uWSGI's own order) than its CPU allowance can
keep busy: the same ceiling gunicorn's workers get (PF301), 2 × CPUs + 1.

Needs: a container whose command (its own, or its image's CMD) is `uwsgi`, a CPU limit or
request, and the ini file among the inputs when the count is set there.

## Why is this bad?
Each uWSGI process holds a copy of the app. Past a couple per CPU they only add memory and
context switches: under a 500m limit, 16 processes take turns on half a core while the pod is
throttled, and the memory they hold brings the OOM killer closer.

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
          command: [uwsgi, --ini, uwsgi.ini, --processes, "16"]
          resources: {limits: {cpu: 500m}}
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
          command: [uwsgi, --ini, uwsgi.ini, --processes, "2"]
          resources: {limits: {cpu: 500m}}
```

## Fix safety
No automatic fix: the count is a measurement (`podfit profile`).
"""

from __future__ import annotations

from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.processes import servers
from podfit.check.model.workloads import container_name, cpu_allowance
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity
from podfit.core.policy import max_workers_for_cpu
from podfit.core.units import format_cpu

RULE = Rule(code="PF309", name="uwsgi-processes-exceed-cpu", severity=Severity.WARNING,
            summary="uWSGI runs more processes than the container's CPU can keep busy.",
            category=Category.CONCURRENCY)


def check(model: Model) -> Iterator[Hit]:
    for workload, server in servers(model):
        if str(server.command.kind) != "uwsgi":
            continue
        near = server.dockerfile.path if server.dockerfile is not None else workload.obj.path
        config = model.files.uwsgi_settings(server.command.argv, server.env, near)
        processes = config.int_option("processes")
        cpu = cpu_allowance(workload.container)
        if processes is None or cpu is None or cpu <= 0:
            continue
        ceiling = max_workers_for_cpu(cpu)
        if processes <= ceiling:
            continue
        option = config.options["processes"]
        where = f"{config.path}:{option.line}" if option.line else option.origin
        yield Hit(workload.obj.path, workload.line_of("resources", "command", "image"),
                  f"container '{container_name(workload)}' runs {processes} uWSGI processes "
                  f"(from {where}) on a CPU allowance of {format_cpu(cpu)}: more than "
                  f"{ceiling} only add memory and throttling; lower processes to {ceiling} or "
                  "fewer (threads can add concurrency), or raise the CPU")
