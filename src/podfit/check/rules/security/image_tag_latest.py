"""## What it does
Reports a container or init container whose `image` has no tag or uses `latest` (an image
pinned by digest is fine).

## Why is this bad?
`latest` is whatever was pushed last: two replicas of one Deployment can run different code,
a rollback redeploys the broken image, and nobody can tell which version is running. Without
a tag the kubelet also defaults to `imagePullPolicy: Always`, so every pod start depends on
the registry. Tag images with a version or the commit SHA (or pin the digest).

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: registry.example/web:latest
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
No automatic fix: only your pipeline knows the version. In a Kustomize base without tags,
set them with the `images:` field of the overlay that you check.
"""

from __future__ import annotations

from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.workloads import describe
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity

RULE = Rule(code="PF808", name="image-tag-latest", severity=Severity.WARNING,
            summary="Container image has no tag or uses latest.",
            category=Category.SECURITY)


def check(model: Model) -> Iterator[Hit]:
    for workload in model.workloads(include_init=True):
        image = workload.container.get("image")
        if not isinstance(image, str) or not image or "@" in image or any(
                c in image for c in "${}"):
            continue  # digests are pinned; templated images are resolved later
        last = image.rsplit("/", 1)[-1]
        tag = last.rpartition(":")[2] if ":" in last else ""
        if tag and tag != "latest":
            continue
        problem = "uses the tag 'latest'" if tag else "has no tag (it means 'latest')"
        kind = "init container" if workload.ref.init else "container"
        yield Hit(workload.obj.path, workload.line_of("image"),
                  f"{kind} '{workload.ref.name}' of {describe(workload.obj)}: image '{image}' "
                  f"{problem}; use a version or commit tag, or a digest")
