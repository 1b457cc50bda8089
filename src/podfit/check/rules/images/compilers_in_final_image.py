"""## What it does
Reports compilers and build dependencies (`gcc`, `g++`, `build-essential`, `build-base`,
`musl-dev`, `*-dev`/`*-devel` header packages…) installed with apt, apk, yum or dnf in a stage
whose layers end up in the final image, unless the same `RUN` removes them again
(`apk add --virtual .build-deps … && apk del .build-deps`, `apt-get purge`).

## Why is this bad?
Compilers and headers are needed to *build* wheels, not to run them. In the runtime image they
add tens to hundreds of megabytes that every node pulls, and they hand an attacker a toolchain.
Removing them in a later `RUN` does not help: the layer that added them is still shipped. Build
in a builder stage and copy the virtualenv (or wheels) into a clean runtime stage, installing
only the shared libraries (`libpq5`, not `libpq-dev`) there.

## Example
```dockerfile
FROM python:3.12-slim
RUN apt-get update && apt-get install -y --no-install-recommends gcc libpq-dev \
    && rm -rf /var/lib/apt/lists/*
```

## Use instead
```dockerfile
FROM python:3.12-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends gcc libpq-dev \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /venv && /venv/bin/pip install --no-cache-dir psycopg2==2.9.10

FROM python:3.12-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /venv /venv
```

## Fix safety
No automatic fix: splitting a Dockerfile into stages needs to know what the build produces.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.images import COMPILERS, image_stages
from podfit.check.model.installs import apk_virtual, os_packages, os_removals
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity

RULE = Rule(code="PF104", name="compilers-in-final-image", severity=Severity.WARNING,
            summary="Compilers or -dev packages are installed in the final image.",
            category=Category.IMAGES)

_DEV = re.compile(r"^[a-z0-9][a-z0-9.+-]*-(dev|devel)$")
#: Runtime packages whose names end like header packages.
_NOT_BUILD = frozenset({"udev", "tzdata-dev"})


def check(model: Model) -> Iterator[Hit]:
    for doc in model.dockerfiles:
        for stage in image_stages(doc):
            for ins in stage.instructions:
                found: dict[str, str | None] = {}  # package -> apk virtual group
                removed: set[str] = set()
                for cmd in model.commands(ins):
                    removed.update(os_removals(cmd) or [])
                    for package in os_packages(cmd) or []:
                        name = re.split(r"[=<>~]", package, maxsplit=1)[0]
                        if (name in COMPILERS or _DEV.match(name)) and name not in _NOT_BUILD:
                            found.setdefault(name, apk_virtual(cmd))
                # removed in the same RUN (apk del .build-deps, apt-get purge gcc): not shipped
                kept = [n for n, group in found.items() if n not in removed and group not in
                        removed]
                if kept:
                    yield Hit(doc.path, ins.line,
                              f"the final image installs build tools ({', '.join(kept)}); "
                              "build in a separate stage and copy only the result (install the "
                              "runtime libraries, not the -dev packages)")
