"""## What it does
Reports a container or init container for which `runAsNonRoot: true` is set neither on the
container nor on the pod (`spec.securityContext`); the container's setting wins. Containers
that run as user 0 are PF806's.

## Why is this bad?
Without it, the container runs as whatever user the image says — root for `python:*` images
unless the Dockerfile has a `USER`. A root process that escapes the app (a deserialisation
bug, a malicious dependency) owns the container and is one kernel bug away from the node.
The restricted Pod Security profile requires `runAsNonRoot: true`. When the image's `USER`
is a name (`USER app`), the kubelet cannot verify it and refuses to start the pod unless
`runAsUser` gives the numeric uid too.

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
    runAsNonRoot: true
    runAsUser: 10001
  containers:
    - name: web
      image: registry.example/web:1.4.2
```

## Fix safety
Unsafe: sets `runAsNonRoot: true`; an image that runs as root (no `USER`) then fails to
start until the Dockerfile gets a non-root numeric `USER` or the pod a `runAsUser`.
"""

from __future__ import annotations

from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.security import container_fix, pod_fix, secured_containers
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import FixSafety, Severity

RULE = Rule(code="PF805", name="run-as-non-root-unset", severity=Severity.WARNING,
            summary="runAsNonRoot is not true: the container may run as root.",
            category=Category.SECURITY, fix=FixSafety.UNSAFE)


def _image_user(model: Model, image: str, near: str) -> str | None:
    """The final stage's USER (through ``FROM other-stage``), "root" for a python base
    without one, None when unknown."""
    doc = model.dockerfile_for_image(image, near) if image else None
    final = doc.final_stage if doc else None
    if doc is None or final is None:
        return None
    stage = final
    for _ in doc.stages:
        users = [i for i in stage.instructions if i.cmd == "USER"]
        if users:
            return doc.resolve(users[-1].text).split(":")[0]
        parent = doc.stage_by_name(doc.resolve(stage.image))
        if parent is None or parent.index >= stage.index:
            break
        stage = parent
    return "root" if doc.base_image(final).rsplit("/", 1)[-1].startswith("python") else None


def check(model: Model) -> Iterator[Hit]:
    for item in secured_containers(model):
        if item.effective("runAsNonRoot") is True or item.effective("runAsUser") == 0:
            continue
        user = item.effective("runAsUser")
        hint = ""
        if user is None:
            image_user = _image_user(model, str(item.workload.container.get("image", "")),
                                     item.workload.obj.path)
            if image_user in {"root", "0"}:
                hint = "; the image runs as root (no USER in its Dockerfile): add a USER too"
            elif image_user and not image_user.isdecimal():
                hint = (f"; the image's USER '{image_user}' is a name, so also set runAsUser "
                        "to its numeric uid")
        if "runAsNonRoot" in item.container or "runAsNonRoot" not in item.pod:
            fix = container_fix(item, "set runAsNonRoot: true", ("runAsNonRoot",), True)
            line = item.line_of("runAsNonRoot")
        else:  # the pod says false and the container inherits it
            fix = pod_fix(item.workload.obj, "set runAsNonRoot: true",
                          ("securityContext", "runAsNonRoot"), True)
            line = item.pod_line_of("runAsNonRoot")
        yield Hit(item.workload.obj.path, line,
                  f"{item.label} does not set runAsNonRoot: true, so nothing stops it from "
                  "running as root; set securityContext.runAsNonRoot: true (on the container "
                  f"or the pod){hint}", fix=fix)
