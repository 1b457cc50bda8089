"""## What it does
Reports a pod spec that shares a host namespace: `hostNetwork`, `hostPID` or `hostIPC` set
to `true`.

## Why is this bad?
The pod then sees the node's network interfaces (and binds its ports on the node, so two
replicas collide), all its processes, or its shared memory. A compromise of the app becomes a
compromise of the node and of every pod on it. The baseline Pod Security profile forbids all
three; a Python app has no use for them.

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  hostNetwork: true
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
```

## Fix safety
No automatic fix: node agents (CNI, log shippers) may really need it.
"""

from __future__ import annotations

from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.workloads import describe
from podfit.check.rule import Category, Hit, Rule
from podfit.core.kube import pod_spec
from podfit.core.models import Severity

RULE = Rule(code="PF811", name="host-namespace-shared", severity=Severity.ERROR,
            summary="Pod shares the node's network, PID or IPC namespace.",
            category=Category.SECURITY)

KEYS = ("hostNetwork", "hostPID", "hostIPC")


def check(model: Model) -> Iterator[Hit]:
    for obj in model.objects:
        spec = pod_spec(obj.data)
        if spec is None:
            continue
        for key in KEYS:
            if spec.get(key) is True:
                line = spec.line_of(key) if hasattr(spec, "line_of") else obj.line
                yield Hit(obj.path, line, f"{describe(obj)} sets {key}: true; remove it so "
                          "the pod gets its own namespace")
