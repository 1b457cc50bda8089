"""## What it does
Reports a container whose `securityContext.readOnlyRootFilesystem` is not `true`.

## Why is this bad?
A writable root filesystem lets an attacker (or a bug) change the app's code and installed
packages in a running pod, drop tools, and persist until the pod restarts. Read-only also
catches files written where they do not survive a restart. A Python app needs two writable
places, both cheap as `emptyDir` volumes: `/tmp` (gunicorn's worker heartbeat files,
`tempfile`, uploads) and the `PROMETHEUS_MULTIPROC_DIR` of `prometheus_client` in
multi-process mode. Keep `PYTHONDONTWRITEBYTECODE=1` or precompile the bytecode in the image.

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
        readOnlyRootFilesystem: true
      volumeMounts:
        - name: tmp
          mountPath: /tmp
  volumes:
    - name: tmp
      emptyDir:
        medium: Memory
        sizeLimit: 64Mi
```

## Fix safety
No automatic fix: the app must first get `emptyDir` volumes where it writes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from podfit.check.model import Model
from podfit.check.model.security import secured_containers
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity

RULE = Rule(code="PF807", name="writable-root-filesystem", severity=Severity.WARNING,
            summary="readOnlyRootFilesystem is not true.",
            category=Category.SECURITY)


def _mounted(container: Mapping[str, object], path: str) -> bool:
    mounts = container.get("volumeMounts")
    return isinstance(mounts, list) and any(
        isinstance(m, Mapping) and str(m.get("mountPath", "")).rstrip("/") == path
        for m in mounts)


def check(model: Model) -> Iterator[Hit]:
    for item in secured_containers(model, include_init=False):
        if item.container.get("readOnlyRootFilesystem") is True:
            continue
        needs = [] if _mounted(item.workload.container, "/tmp") else ["/tmp"]
        env = item.workload.container.get("env")
        for var in env if isinstance(env, list) else []:
            if isinstance(var, Mapping) and var.get("name") == "PROMETHEUS_MULTIPROC_DIR":
                path = str(var.get("value") or "").rstrip("/")
                if path and not _mounted(item.workload.container, path):
                    needs.append(f"{path} (PROMETHEUS_MULTIPROC_DIR)")
        mounts = f"; mount an emptyDir at {' and '.join(needs)}" if needs else ""
        yield Hit(item.workload.obj.path, item.line_of("readOnlyRootFilesystem"),
                  f"{item.label} has a writable root filesystem; set "
                  f"securityContext.readOnlyRootFilesystem: true{mounts}")
