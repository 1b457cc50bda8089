"""## What it does
Reports a container without a memory limit (and no `LimitRange` default in its namespace).
Every container of a pod-bearing object is checked, init containers included: a migration or
download in an init container can grow as large as an app.

## Why is this bad?
Without a limit a leak, a large upload or a worker count sized from the node's CPUs grows until
the *node* runs out of memory. Then the kernel's OOM killer and the kubelet's evictions pick
victims across the node — often other teams' pods — instead of restarting the one container at
fault. Python never returns much freed memory to the OS, so a slow leak only ever grows.

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
        - name: app
          image: registry.example/web:1.4.2
          resources:
            requests: {cpu: 500m, memory: 384Mi}
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
        - name: app
          image: registry.example/web:1.4.2
          resources:
            requests: {cpu: 500m, memory: 384Mi}
            limits: {memory: 384Mi}
```

## Fix safety
Unsafe: when a memory request is written, the fix sets the limit equal to it (memory is not
compressible, so request = limit is the usual advice), but a container that today uses more
than its request would be OOM-killed from then on.
"""

from __future__ import annotations

from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.workloads import Workload, doc_path, has_limit, running_containers
from podfit.check.rule import Category, Hit, Rule
from podfit.core.kube import dig
from podfit.core.models import Fix, FixSafety, Severity, YamlEdit

RULE = Rule(code="PF203", name="memory-limit-missing", severity=Severity.WARNING,
            summary="Container without a memory limit: it can exhaust the node's memory.",
            category=Category.RESOURCES, fix=FixSafety.UNSAFE)


def check(model: Model) -> Iterator[Hit]:
    for workload in running_containers(model, all_init=True):
        if has_limit(workload.container, "memory") or model.links.provides(
                workload.obj, "limits", "memory"):
            continue
        kind = "init container" if workload.ref.init else "container"
        yield Hit(workload.obj.path, workload.line_of("resources"),
                  f"{workload.obj.ref} {kind} '{workload.ref.name}' has no memory limit: a leak "
                  "or too many workers can exhaust the node and get other pods killed; set "
                  "resources.limits.memory (usually equal to the request)", fix=_fix(workload))


def _fix(workload: Workload) -> Fix | None:
    request = dig(workload.container, "resources", "requests", "memory")
    if request is None:
        return None
    resources = doc_path(workload.obj, *workload.ref.path, "resources")
    document = workload.obj.document
    return Fix(f"set resources.limits.memory to the request ({request})", FixSafety.UNSAFE,
               yaml_edits=(YamlEdit(document, resources, "limits", {"memory": request}),
                           YamlEdit(document, (*resources, "limits"), "memory", request)))
