"""## What it does
Reports a stage that copies the project's code (`COPY . .`, `COPY src/ …`, `COPY app.py …`)
*before* the `RUN`
that installs its dependencies (`pip install -r`, `poetry install`, `uv sync`, `pdm install`,
`pipenv install`).

## Why is this bad?
A `COPY` invalidates the layer cache of everything after it when any copied file changes. With
the source copied first, every code change re-downloads and rebuilds all dependencies: minutes
per build instead of seconds, and more load on CI and registries. Copy only the dependency
files (`requirements.txt`, `pyproject.toml` and the lock file), install, then copy the source.

## Example
```dockerfile
FROM python:3.12-slim
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir -r requirements.txt
```

## Use instead
```dockerfile
FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
```

## Fix safety
No automatic fix: which files the install needs (lock files, local packages) is project
specific.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.documents import Instruction
from podfit.check.model.images import commands
from podfit.check.model.installs import pip_install_args, requirement_files
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity

RULE = Rule(code="PF105", name="source-before-dependencies", severity=Severity.WARNING,
            summary="The source is copied before dependencies are installed: no layer cache.",
            category=Category.IMAGES)

#: Files a dependency install legitimately needs; copying them first is the point.
_DEPENDENCY_FILE = re.compile(
    r"(requirements[^/]*\.(txt|in)|constraints[^/]*\.txt|pyproject\.toml|poetry\.lock|"
    r"uv\.lock|pdm\.lock|Pipfile(\.lock)?|setup\.(py|cfg)|README[^/]*|LICEN[CS]E[^/]*)$")
_SOURCE_DIRS = {".", "./", "src", "app", "./src", "./app", "*"}
#: Directories that hold what an install needs, or files unrelated to the code.
_NOT_SOURCE = frozenset({"requirements", "reqs", "deps", "wheels", "wheelhouse", "dist",
                         "vendor", "docker", "certs", "patches", "constraints", "bin", "scripts",
                         "config", "conf", "etc", "entrypoint", "docker-entrypoint", "start",
                         "run", "Makefile", "Procfile"})
_INSTALLS = (("uv", "sync"), ("poetry", "install"), ("pdm", "install"), ("pdm", "sync"),
             ("pipenv", "install"), ("pipenv", "sync"))


def _copies_source(ins: Instruction) -> str | None:
    """The source argument of a whole-project ``COPY``/``ADD`` from the context, if any."""
    if ins.cmd not in {"COPY", "ADD"} or ins.flag("from") is not None or len(ins.args) < 2:
        return None
    if any(_DEPENDENCY_FILE.search(s) for s in ins.args[:-1]):
        return None  # staging the dependency files (with optional extras) is the right order
    for source in ins.args[:-1]:
        if source.startswith("<<"):
            continue  # a heredoc file
        clean = source.rstrip("/*?")
        if clean in {s.rstrip("/") for s in _SOURCE_DIRS} or clean.endswith(".py") or (
                "." not in posixpath.basename(clean) and not _DEPENDENCY_FILE.search(clean)
                and clean.count("/") <= 1 and not clean.startswith("$")
                and posixpath.basename(clean) not in _NOT_SOURCE):
            return source
    return None


def _installs_dependencies(ins: Instruction) -> bool:
    for cmd in commands(ins):
        args = pip_install_args(cmd)
        if args is not None and requirement_files(args):
            return True
        if any(cmd.head == tool and sub in cmd.argv[1:3] for tool, sub in _INSTALLS):
            return True
    return False


def check(model: Model) -> Iterator[Hit]:
    for doc in model.dockerfiles:
        for stage in doc.stages:
            copied: tuple[Instruction, str] | None = None
            for ins in stage.instructions:
                source = _copies_source(ins)
                if source is not None and copied is None:
                    copied = (ins, source)
                elif ins.cmd == "RUN" and copied is None and _installs_dependencies(ins):
                    break  # dependencies first (e.g. `uv sync --no-install-project`): fine
                elif copied is not None and ins.cmd == "RUN" and _installs_dependencies(ins):
                    yield Hit(doc.path, copied[0].line,
                              f"'{copied[0].cmd} {copied[1]}' (line {copied[0].line}) comes "
                              f"before the dependency install on line {ins.line}: every "
                              "source change reinstalls all dependencies; copy the dependency "
                              "files first, install, then copy the source")
                    break
