"""## What it does
Reports a container or init container whose effective `runAsUser` is `0` (set on the
container, or on the pod and not overridden).

## Why is this bad?
It runs the app as root on purpose. Root in a container can modify the image's code and
site-packages at run time, read every mounted secret, and turns any container escape into
root on the node. The restricted Pod Security profile forbids `runAsUser: 0`, and with
`runAsNonRoot: true` the kubelet refuses to start the container at all.

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  securityContext:
    runAsUser: 0
  containers:
    - name: web
      image: registry.example/web:1.4.2
```

## Use instead
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001
  containers:
    - name: web
      image: registry.example/web:1.4.2
```

## Fix safety
No automatic fix: the right uid is the one the image's files belong to.
"""

from __future__ import annotations

from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.security import secured_containers
from podfit.check.model.workloads import describe
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity

RULE = Rule(code="PF806", name="runs-as-root", severity=Severity.ERROR,
            summary="runAsUser is 0: the container runs as root.",
            category=Category.SECURITY)


def check(model: Model) -> Iterator[Hit]:
    reported_pods: set[tuple[str, int, int | None]] = set()
    for item in secured_containers(model):
        if item.effective("runAsUser") != 0:
            continue
        obj = item.workload.obj
        blocked = " (with runAsNonRoot: true the kubelet will refuse to start it)" if \
            item.effective("runAsNonRoot") is True else ""
        message = f"{item.label} runs as root (runAsUser: 0){blocked}; use a non-zero uid " \
            "that owns the app's files, e.g. 10001"
        if "runAsUser" in item.container:
            yield Hit(obj.path, item.line_of("runAsUser"), message)
            continue
        key = (obj.path, obj.document, obj.list_item)
        if key not in reported_pods:  # one finding on the pod's securityContext
            reported_pods.add(key)
            line = item.pod_line_of("runAsUser")
            yield Hit(obj.path, line, message.replace(item.label, f"the pod of {describe(obj)}"))
