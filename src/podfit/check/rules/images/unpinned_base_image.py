"""## What it does
Reports a `FROM` whose image has no tag, uses `latest`, or whose tag names only a major
version of Python without a digest (`python:3`).

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

import re
from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity

RULE = Rule(code="PF101", name="unpinned-base-image", severity=Severity.WARNING,
            summary="Base image without a tag, with `latest`, or with a floating major tag.",
            category=Category.IMAGES)

_FLOATING = re.compile(r"^(latest|\d+|stable|slim|alpine|bookworm|bullseye)$")


def check(model: Model) -> Iterator[Hit]:
    for doc in model.dockerfiles:
        aliases = {s.alias for s in doc.stages if s.alias}
        for stage in doc.stages:
            image = doc.resolve(stage.image)
            if image in aliases or image == "scratch" or "@" in image or "$" in image:
                continue
            _name, _, tag = image.rpartition(":") if ":" in image.rsplit("/", 1)[-1] else (
                image, "", "")
            if not tag:
                yield Hit(doc.path, stage.line, f"base image '{image}' has no tag: it means "
                          "'latest' and changes without notice")
            elif _FLOATING.match(tag):
                yield Hit(doc.path, stage.line, f"base image '{image}' uses the floating tag "
                          f"'{tag}'; pin a full version (or a digest)")
