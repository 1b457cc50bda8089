"""## What it does
Reports a container or init container that does not set
`securityContext.allowPrivilegeEscalation: false`.

## Why is this bad?
Unless it is `false`, a process in the container can gain more privileges than its parent —
through setuid binaries such as `su` or `sudo` in the base image, or file capabilities. The
restricted Pod Security profile requires `false`, and a Python app does not need it.

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
        allowPrivilegeEscalation: false
```

## Fix safety
Unsafe: sets `allowPrivilegeEscalation: false`; an entrypoint that switches user with `su` or
`gosu` stops working.
"""

from __future__ import annotations

from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.security import container_fix, secured_containers
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import FixSafety, Severity

RULE = Rule(code="PF802", name="privilege-escalation-allowed", severity=Severity.WARNING,
            summary="allowPrivilegeEscalation is not false (restricted profile requires it).",
            category=Category.SECURITY, fix=FixSafety.UNSAFE)


def check(model: Model) -> Iterator[Hit]:
    for item in secured_containers(model, linux_only=True):
        value = item.container.get("allowPrivilegeEscalation")
        if value is False:
            continue
        state = "is true" if value is True else "is not set (it defaults to true)"
        yield Hit(item.workload.obj.path, item.line_of("allowPrivilegeEscalation"),
                  f"{item.label}: allowPrivilegeEscalation {state}; set "
                  "securityContext.allowPrivilegeEscalation: false",
                  fix=container_fix(item, "set allowPrivilegeEscalation: false",
                                    ("allowPrivilegeEscalation",), False))
