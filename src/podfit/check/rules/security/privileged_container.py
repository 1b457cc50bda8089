"""## What it does
Reports a container or init container with `securityContext.privileged: true`.

## Why is this bad?
A privileged container has every capability and all host devices: a bug in the app (or in
one of its hundreds of dependencies) becomes root on the node. Both the baseline and the
restricted Pod Security profiles forbid it, so namespaces that enforce them reject the pod.
A Python web app or worker never needs it.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: registry.example/web:1.4.2
          securityContext:
            privileged: true
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: registry.example/web:1.4.2
          securityContext:
            privileged: false
```

## Fix safety
Unsafe: sets `privileged: false`, which breaks a container that really uses host devices.
"""

from __future__ import annotations

from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.security import container_fix, secured_containers
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import FixSafety, Severity

RULE = Rule(code="PF801", name="privileged-container", severity=Severity.ERROR,
            summary="Container runs privileged: root on the node if compromised.",
            category=Category.SECURITY, fix=FixSafety.UNSAFE)


def check(model: Model) -> Iterator[Hit]:
    for item in secured_containers(model):
        if item.container.get("privileged") is True:
            yield Hit(item.workload.obj.path, item.line_of("privileged"),
                      f"{item.label} is privileged; remove privileged: true (grant a single "
                      "capability instead if one is really needed)",
                      fix=container_fix(item, "set privileged: false", ("privileged",), False))
