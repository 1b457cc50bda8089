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

import posixpath
import re
from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.documents import DockerfileDoc, Stage
from podfit.check.model.images import COMPILERS
from podfit.check.model.installs import (
    os_packages,
    pip_install_args,
    requirement_specs,
    stage_python_dependencies,
)
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity
from podfit.core.packages import native_package, normalize_name, wheel_available
from podfit.core.python_eol import python_version_of_image

RULE = Rule(code="PF103", name="alpine-native-dependencies", severity=Severity.WARNING,
            summary="Alpine stage installs Python packages that build from source on musl.",
            category=Category.IMAGES)

_PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*===?\s*([\w.!+-]+)")


def _pins(model: Model, doc: DockerfileDoc, stage: Stage) -> dict[str, str]:
    """Pinned versions (``==``) the stage installs: its pip specs and the requirements files
    in reach of the Dockerfile."""
    pins: dict[str, str] = {}
    files = sorted(model.files.requirements.near(model.scope, doc.path),
                   key=lambda r: -r.path.count("/"))  # the nearest file's pin wins
    for req_file in files:
        if posixpath.dirname(doc.path).startswith(posixpath.dirname(req_file.path)):
            for req in req_file.requirements:
                match = _PIN.match(f"{req.name}{req.spec}")
                if match:
                    pins.setdefault(req.name, match.group(2))
    for cmd in model.stage_commands(stage):
        args = pip_install_args(cmd)
        for spec in requirement_specs(args) if args else []:
            match = _PIN.match(spec.strip("'\""))
            if match:
                pins[normalize_name(match.group(1))] = match.group(2)
    return pins


def _python(image: str, name: str) -> str | None:
    """The CPython minor of ``image`` ("3.12"), or for a tag without one (``3-alpine``) the
    newest the table was refreshed for (what such a tag pulls)."""
    version = python_version_of_image(image)
    if version is not None:
        return f"{version[0]}.{version[1]}"
    package = native_package(name)
    checked = package.checked_pythons if package else ()
    return max(checked, key=lambda v: tuple(int(p) for p in v.split("."))) if checked else None


def _needs_build(name: str, version: str | None, image: str) -> str | None:
    """Why ``name`` (at ``version``) compiles on musl for ``image``'s Python, else None."""
    package = native_package(name)
    python = _python(image, name)
    if package is None or python is None:
        return None
    if wheel_available(name, version, python, "musl") is not False:
        return None
    first = package.first_wheel.get("musl", {}).get(python)
    at = f" {version}" if version else ""
    if first is None:
        return f"{name}{at}: no musllinux wheel for CPython {python}"
    return f"{name}{at}: musllinux wheels for CPython {python} start at {first}"


def check(model: Model) -> Iterator[Hit]:
    for doc in model.dockerfiles:
        for stage in doc.stages:
            image = doc.base_image(stage)
            if "alpine" not in image.rsplit("/", 1)[-1]:
                continue
            deps = stage_python_dependencies(model, doc, stage)
            if deps is None:
                continue  # installs no Python packages
            compilers = sorted({p.split("=")[0] for c in model.stage_commands(stage)
                                if c.head == "apk" for p in os_packages(c) or []
                                if p.split("=")[0] in COMPILERS})
            pins = _pins(model, doc, stage)
            builds = [why for name in sorted(deps)
                      if (why := _needs_build(name, pins.get(name), image)) is not None]
            if not builds and not compilers:
                continue
            parts = ["; ".join(builds)] if builds else []
            if compilers:
                native = sorted(n for n in deps if native_package(n) is not None)
                parts.append(f"the stage installs compilers ({', '.join(compilers)}) to build "
                             "Python packages from source"
                             + (f" ({', '.join(native)})" if native and not builds else ""))
            yield Hit(doc.path, stage.line,
                      f"'{image}' is Alpine (musl), where packages without musllinux wheels "
                      f"compile: {'; '.join(parts)}; use a '-slim' image, where manylinux "
                      "wheels install without compiling")
