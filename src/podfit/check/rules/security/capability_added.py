"""## What it does
Reports a container or init container that adds a Linux capability other than
`NET_BIND_SERVICE` in `securityContext.capabilities.add`.

## Why is this bad?
Capabilities such as `SYS_ADMIN`, `NET_ADMIN` or `SYS_PTRACE` are most of the way to root on
the node. The restricted Pod Security profile allows adding back only `NET_BIND_SERVICE` —
and a Python server does not even need that: listen on a port above 1024 (8000) and let the
Service map port 80 to it.

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: registry.example/web:1.4.2
      securityContext:
        capabilities:
          drop: ["ALL"]
          add: ["SYS_PTRACE"]
```

## Use instead
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: registry.example/web:1.4.2
      securityContext:
        capabilities:
          drop: ["ALL"]
```

## Fix safety
No automatic fix: the container may depend on the capability.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from podfit.check.model import Model
from podfit.check.model.security import secured_containers
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity

RULE = Rule(code="PF804", name="capability-added", severity=Severity.WARNING,
            summary="Container adds a capability the restricted profile forbids.",
            category=Category.SECURITY)

ALLOWED = frozenset({"NET_BIND_SERVICE"})


def check(model: Model) -> Iterator[Hit]:
    for item in secured_containers(model, linux_only=True):
        caps = item.container.get("capabilities")
        added = caps.get("add") if isinstance(caps, Mapping) else None
        if not isinstance(added, list):
            continue
        for index, cap in enumerate(added):
            name = str(cap).upper().removeprefix("CAP_")
            if name in ALLOWED:
                continue
            line = added.item_lines[index] if hasattr(added, "item_lines") else item.line
            yield Hit(item.workload.obj.path, line,
                      f"{item.label} adds capability {name}; remove it (only NET_BIND_SERVICE "
                      "is allowed by the restricted profile)")
