"""## What it does
Reports a final image that runs as root: its stages set no `USER`, or the last `USER` is
`root` or `0`. Bases that default to a non-root user (distroless `:nonroot`, Chainguard) are
not reported.

A numeric user (`USER 10001`) is best: Kubernetes' `runAsNonRoot: true` can check it. A named
user (`USER app`) is accepted here, but the kubelet cannot tell whether a name maps to uid 0,
so a pod with `runAsNonRoot` and no `runAsUser` refuses to start with it.

## Why is this bad?
A process running as root in the container is root on the files it can reach, and one kernel
or runtime escape away from root on the node. Most Python web apps need no privilege at all.

## Example
```dockerfile
FROM python:3.12-slim
COPY . /app
CMD ["gunicorn", "app:app"]
```

## Use instead
```dockerfile
FROM python:3.12-slim
RUN useradd --uid 10001 --no-create-home app
COPY . /app
USER 10001
CMD ["gunicorn", "app:app"]
```

## Fix safety
No automatic fix: the user must exist and own what the app writes.
"""

from __future__ import annotations

from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.images import image_stages
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity

RULE = Rule(code="PF114", name="image-runs-as-root", severity=Severity.WARNING,
            summary="The final image runs as root: no USER, or USER root.",
            category=Category.IMAGES)

_NON_ROOT_BASES = ("nonroot", "cgr.dev/chainguard/")


def check(model: Model) -> Iterator[Hit]:
    for doc in model.dockerfiles:
        chain = image_stages(doc)
        if not chain:
            continue
        users = [ins for stage in chain for ins in stage.instructions if ins.cmd == "USER"]
        if not users:
            image = doc.base_image(chain[-1])
            if image == "scratch" or "$" in image or any(b in image for b in _NON_ROOT_BASES):
                continue
            yield Hit(doc.path, chain[-1].line,
                      "the final stage sets no USER, so the container runs as root; create a "
                      "user and add 'USER <numeric uid>' (e.g. USER 10001)")
            continue
        last = users[-1]
        user = doc.resolve(last.text.strip()).split(":", 1)[0]
        if user in {"root", "0"}:
            yield Hit(doc.path, last.line,
                      f"'USER {last.text.strip()}' is the last USER: the container runs as "
                      "root; switch to a non-root numeric uid (e.g. USER 10001)")
