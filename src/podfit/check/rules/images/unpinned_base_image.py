"""## What it does
Reports a `FROM` whose image has no tag, uses `latest` (or another channel such as `stable`),
names a variant only (`python:slim`), or names only a major version, with or without variants
(`python:3`, `python:3-slim`, `python:3-alpine`), without a digest. Images the repository
builds itself (compose, skaffold or `docker build -t` evidence) or runs as local images
(`imagePullPolicy: Never`) are its own and not reported.

## Why is this bad?
An unpinned base changes under you: a rebuild of the same commit can pull a new Python
minor, a new Debian release or new system libraries, so the image you tested is not the one
you ship, and a cached layer on one builder differs from another's.

## Example
```dockerfile
FROM python:latest
```

## Use instead
```dockerfile
FROM python:3.12.7-slim-bookworm
```
(or pin by digest: `python:3.12-slim@sha256:…`).

## Fix safety
No automatic fix: the right tag is the one you test with.
"""

from __future__ import annotations

from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.rule import Category, Hit, Rule
from podfit.core.image_tags import floating_tag, parse_image
from podfit.core.models import Severity

RULE = Rule(code="PF101", name="unpinned-base-image", severity=Severity.WARNING,
            summary="Base image without a tag, with `latest`, or with a floating major tag.",
            category=Category.IMAGES)

def own_images(model: Model) -> frozenset[str]:
    """Repositories the repository builds itself (build evidence) or runs as local images
    (``imagePullPolicy: Never``): a tag on those is the project's own, not a moving upstream."""
    own = set(model.files.evidence.by_repository or {})
    for workload in model.workloads(include_init=True):
        if workload.container.get("imagePullPolicy") == "Never":
            own.add(parse_image(str(workload.container.get("image", ""))).repository)
    return frozenset(own)


def check(model: Model) -> Iterator[Hit]:
    own = own_images(model) if model.dockerfiles else frozenset()
    for doc in model.dockerfiles:
        aliases = {s.alias for s in doc.stages if s.alias}
        for stage in doc.stages:
            image = doc.resolve(stage.image)
            if image in aliases or image == "scratch" or "@" in image or "$" in image:
                continue
            ref = parse_image(image)
            if ref.repository in own:
                continue  # the project's own image (built here, or a local image)
            tag = ref.tag
            if not tag:
                yield Hit(doc.path, stage.line, f"base image '{image}' has no tag: it means "
                          "'latest' and changes without notice")
            elif floating_tag(image) is not None:
                yield Hit(doc.path, stage.line, f"base image '{image}' uses the floating tag "
                          f"'{tag}'; pin a full version (or a digest)")
