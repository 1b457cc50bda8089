"""## What it does
Reports a container or init container whose `securityContext.capabilities.drop` does not
include `ALL`.

## Why is this bad?
Container runtimes grant a default set of Linux capabilities (`CHOWN`, `SETUID`, `NET_RAW`,
`DAC_OVERRIDE`…) that a Python server does not use but an attacker can: `NET_RAW` alone allows
ARP/DNS spoofing inside the cluster network. The restricted Pod Security profile requires
dropping `ALL` (adding back at most `NET_BIND_SERVICE`).

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
          drop: ["NET_RAW"]
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
Unsafe: adds `ALL` to `capabilities.drop`; an image that starts as root and changes file
ownership or user at startup stops working.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from podfit.check.model import Model
from podfit.check.model.security import container_fix, secured_containers
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import FixSafety, Severity

RULE = Rule(code="PF803", name="capabilities-not-dropped", severity=Severity.WARNING,
            summary="Container does not drop ALL capabilities.",
            category=Category.SECURITY, fix=FixSafety.UNSAFE)


def check(model: Model) -> Iterator[Hit]:
    for item in secured_containers(model, linux_only=True):
        caps = item.container.get("capabilities")
        drop = caps.get("drop") if isinstance(caps, Mapping) else None
        if isinstance(drop, list) and any(str(c).upper() == "ALL" for c in drop):
            continue
        line = caps.line_of("drop") if isinstance(caps, Mapping) and "drop" in caps and \
            hasattr(caps, "line_of") else item.line_of("capabilities")
        yield Hit(item.workload.obj.path, line,
                  f"{item.label} keeps the default Linux capabilities; set "
                  "securityContext.capabilities.drop: [ALL]",
                  fix=container_fix(item, "drop ALL capabilities", ("capabilities", "drop"),
                                    "ALL", "append"))
