"""## What it does
Reports a container `command`/`args` or an exec-form Dockerfile `ENTRYPOINT`/`CMD` that runs
a Python server through `sh -c "…"` without `exec` in front of the server
(`["sh", "-c", "python manage.py migrate && gunicorn app.wsgi"]`).

## Why is this bad?
The shell stays PID 1 with the server as its child (dash, the `/bin/sh` of Debian-based
images, never replaces itself with the last command). PID 1 ignores SIGTERM unless it handles
it, and the shell does not forward it: the server never starts its graceful shutdown and is
SIGKILLed at the end of the grace period with requests in flight.

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
          command: ["sh", "-c", "python manage.py migrate && gunicorn app.wsgi"]
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
          command: ["sh", "-c", "python manage.py migrate && exec gunicorn app.wsgi"]
```

## Fix safety
No automatic fix: the script is a string inside YAML or JSON, and podfit does not rewrite
it. Put `exec` before the last command (or move the migration to an init container).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.processes import commands
from podfit.check.model.servers import PYTHON_KINDS, display, short
from podfit.check.model.workloads import container_name
from podfit.check.rule import Category, Hit, Rule
from podfit.core.kube import SERVING_KINDS
from podfit.core.models import Severity

RULE = Rule(code="PF542", name="shell-wrapper-without-exec", severity=Severity.ERROR,
            summary="`sh -c` runs a Python server without exec: the shell is PID 1.",
            category=Category.SHUTDOWN_PROBES)

_LIST = re.compile(r"&&|\|\||;|\n|\|")


def check(model: Model) -> Iterator[Hit]:
    procfiles = {p.path for p in model.procfiles}
    for server, workload in commands(model):
        command = server.command
        if server.path in procfiles or command.exec_in_shell or command.kind not in PYTHON_KINDS:
            continue
        if command.kind == "python" and workload is not None and \
                workload.obj.kind not in SERVING_KINDS:
            continue  # a Job's script runs to completion; nobody is waiting on its SIGTERM
        doc = server.dockerfile
        if doc is not None and server.path == doc.path and any(
                i.line == server.line and not i.json for i in doc.instructions):
            continue  # shell form: PF540 reports it
        shell = next((w for w in reversed(command.wrapped_by) if w.endswith(" -c")), "sh -c")
        if shell.startswith("bash") and not _LIST.search(command.shell_script.strip()):
            continue  # bash replaces itself with a lone simple command
        where = f"container '{container_name(workload)}'" if workload and \
            server.path == workload.obj.path else f"{short(server.path)} line {server.line}"
        yield Hit(server.path, server.line,
                  f"{where} starts {display(command.kind)} through `{shell}` without `exec`: the "
                  "shell stays PID 1 and SIGTERM never reaches the server, which is SIGKILLed "
                  f"after the grace period; write `exec {' '.join(command.argv[:1])} …` as the "
                  "last command")
