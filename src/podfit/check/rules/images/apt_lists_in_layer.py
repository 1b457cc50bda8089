"""## What it does
Reports a `RUN` in a stage of the final image that runs `apt-get update` (or `apt update`)
without removing `/var/lib/apt/lists` in the same `RUN`, unless the `RUN` mounts a cache on
`/var/lib/apt` (or `/var/lib/apt/lists`). A cache mount on `/var/cache/apt` alone is not
enough: it holds the downloaded `.deb` files, not the lists.

## Why is this bad?
`apt-get update` downloads the package indexes, tens of megabytes, into `/var/lib/apt/lists`.
Left there they are shipped in the layer; removing them in a later `RUN` does not shrink the
image, because the earlier layer still holds them. They are also stale on the next build.

## Example
```dockerfile
FROM python:3.12-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5
```

## Use instead
```dockerfile
FROM python:3.12-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 \
    && rm -rf /var/lib/apt/lists/*
```

## Fix safety
No automatic fix: a later `RUN` that installs without its own `apt-get update` would break.
"""

from __future__ import annotations

from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.images import cache_targets, image_stages
from podfit.check.model.installs import subcommand_args
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity

RULE = Rule(code="PF109", name="apt-lists-in-layer", severity=Severity.WARNING,
            summary="`apt-get update` leaves the package lists in the image layer.",
            category=Category.IMAGES)


def check(model: Model) -> Iterator[Hit]:
    for doc in model.dockerfiles:
        for stage in image_stages(doc):
            for ins in stage.instructions:
                cmds = model.commands(ins)
                if not any(subcommand_args(c, tool, "update") is not None
                           for c in cmds for tool in ("apt-get", "apt")):
                    continue
                # the lists live in /var/lib/apt/lists: a mount on /var/cache/apt alone (the
                # .deb archives) leaves them in the layer
                if any(t.rstrip("/") in {"/var/lib/apt", "/var/lib/apt/lists"}
                       for t in cache_targets(ins)):
                    continue
                if any(c.head == "rm" and any(a.startswith("/var/lib/apt/lists")
                                              for a in c.argv[1:]) for c in cmds):
                    continue
                yield Hit(doc.path, ins.line,
                          "apt-get update leaves /var/lib/apt/lists in this layer; end the "
                          "same RUN with 'rm -rf /var/lib/apt/lists/*' (or use a cache mount "
                          "on /var/lib/apt)")
