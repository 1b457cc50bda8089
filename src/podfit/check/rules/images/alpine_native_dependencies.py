"""## What it does
Reports an Alpine-based stage that installs Python packages which build from source on musl:
packages published without musllinux wheels (or without any wheel), or — when the stage
installs a compiler with `apk add build-base`/`gcc`/`g++`/`musl-dev` — the packages it
compiles. Dependencies are read from the `pip install` commands of the stage and from the
requirements files and `pyproject.toml` it installs (those next to the Dockerfile first).

## Why is this bad?
Most binary wheels on PyPI are `manylinux` (glibc) wheels, which musl cannot load. Where a
package has no `musllinux` wheel for the Python version, pip compiles it: builds take many
minutes instead of seconds, need compilers and headers, and can end up larger than the same
image on `python:X-slim`. Alpine's Python is also built without PGO, and musl's
allocator and DNS resolver behave differently under load.

## Example
```dockerfile
# file: Dockerfile
FROM python:3.12.7-alpine
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
# file: requirements.txt
psycopg2==2.9.10
```

## Use instead
```dockerfile
# file: Dockerfile
FROM python:3.12.7-slim
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
# file: requirements.txt
psycopg2==2.9.10
```
(or stay on Alpine with packages that ship musllinux wheels, e.g. `psycopg2-binary`).

## Fix safety
No automatic fix: moving to a Debian-based image changes the system packages you install.
"""

from __future__ import annotations

from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.images import COMPILERS, stage_commands
from podfit.check.model.installs import MUSL_BUILDS, os_packages, stage_python_dependencies
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity

RULE = Rule(code="PF103", name="alpine-native-dependencies", severity=Severity.WARNING,
            summary="Alpine stage installs Python packages that build from source on musl.",
            category=Category.IMAGES)


def check(model: Model) -> Iterator[Hit]:
    for doc in model.dockerfiles:
        for stage in doc.stages:
            image = doc.base_image(stage)
            if "alpine" not in image.rsplit("/", 1)[-1]:
                continue
            deps = stage_python_dependencies(model, doc, stage)
            if deps is None:
                continue  # installs no Python packages
            compilers = sorted({p.split("=")[0] for c in stage_commands(stage) if c.head == "apk"
                                for p in os_packages(c) or [] if p.split("=")[0] in COMPILERS})
            known = {name: MUSL_BUILDS[name] for name in sorted(deps) if name in MUSL_BUILDS}
            certain = [f"{n} ({why})" for n, (always, why) in known.items() if always]
            if not certain and not compilers:
                continue
            shown = certain if not compilers else [f"{n} ({why})" for n, (_, why) in
                                                   known.items()]
            parts = ["; ".join(shown)] if shown else []
            if compilers:
                parts.append(f"the stage installs compilers ({', '.join(compilers)}) to build "
                             "Python packages from source")
            yield Hit(doc.path, stage.line,
                      f"'{image}' is Alpine (musl), where packages without musllinux wheels "
                      f"compile: {'; '.join(parts)}; use a '-slim' image, where manylinux "
                      "wheels install without compiling")
