"""## What it does
Reports pods whose seccomp profile is not `RuntimeDefault` or `Localhost`: set neither on the
pod (`spec.securityContext.seccompProfile`) nor on every container, or set to `Unconfined`.

## Why is this bad?
Without a profile, the container may run `Unconfined` (the kubelet's default unless the
cluster enables `SeccompDefault`), and every one of the ~400 Linux system calls is open to an
attacker — including the ones behind most container-escape bugs. The runtime's default
profile blocks the dangerous ones and has no effect on a Python server. The restricted Pod
Security profile requires it.

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
  securityContext:
    seccompProfile:
      type: RuntimeDefault
  containers:
    - name: web
      image: registry.example/web:1.4.2
```

## Fix safety
Unsafe: sets `seccompProfile.type: RuntimeDefault` on the pod; software that uses unusual
system calls (some debuggers and profilers) can fail.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from podfit.check.model import Model
from podfit.check.model.security import pod_fix, secured_containers
from podfit.check.model.workloads import describe, key_line
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import FixSafety, Severity

RULE = Rule(code="PF810", name="seccomp-profile-unset", severity=Severity.WARNING,
            summary="No RuntimeDefault or Localhost seccomp profile.",
            category=Category.SECURITY, fix=FixSafety.UNSAFE)

GOOD = frozenset({"RuntimeDefault", "Localhost"})


def _type(context: Mapping[str, Any]) -> str | None:
    profile = context.get("seccompProfile")
    return str(profile.get("type")) if isinstance(profile, Mapping) else None


def check(model: Model) -> Iterator[Hit]:
    reported: set[tuple[str, int, int | None]] = set()
    for item in secured_containers(model, linux_only=True):
        obj = item.workload.obj
        own, pod = _type(item.container), _type(item.pod)
        if own in GOOD or (own is None and pod in GOOD):
            continue
        if own is not None:
            line = key_line(item.container["seccompProfile"], "type", item.line)
            yield Hit(obj.path, line, f"{item.label} sets seccompProfile type {own}; use "
                      "RuntimeDefault")
            continue
        key = (obj.path, obj.document, obj.list_item)
        if key in reported:
            continue
        reported.add(key)
        state = f"is {pod}" if pod else "is not set"
        line = item.pod_line_of("seccompProfile")
        yield Hit(obj.path, line,
                  f"the seccomp profile of {describe(obj)} {state} (container "
                  f"'{item.workload.ref.name}' inherits it); set "
                  "spec.securityContext.seccompProfile.type: RuntimeDefault",
                  fix=pod_fix(obj, "set seccompProfile RuntimeDefault",
                              ("securityContext", "seccompProfile", "type"), "RuntimeDefault"))
