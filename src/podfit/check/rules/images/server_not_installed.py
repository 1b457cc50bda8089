"""## What it does
Reports an image whose `CMD`/`ENTRYPOINT` starts a server (gunicorn, uvicorn, hypercorn,
uwsgi, daphne, celery) that none of the image's `pip install` steps installs: neither the
packages named on the command line nor the requirements files or `pyproject.toml` they read.
Needs: the Dockerfile and the dependency files it installs among the inputs; skipped when an
install reads a file podfit cannot see (an exported lock, a path inside the image) or when the
base image is one that ships the server.

## Why is this bad?
The container exits 127 (`gunicorn: not found`) at its first start, and every restart after:
a crash loop that no build step reports. It happens when the server is a deployment detail
nobody added to the dependencies (a Flask app packaged with flit, `docker init`'s default
command).

## Example
```dockerfile
# file: Dockerfile
FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]
# file: requirements.txt
flask==3.1.0
```

## Use instead
```dockerfile
# file: Dockerfile
FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]
# file: requirements.txt
flask==3.1.0
gunicorn==23.0.0
```

## Fix safety
No automatic fix: the version to pin is the one you test with.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.documents import DockerfileDoc, Requirements
from podfit.check.model.images import stage_commands
from podfit.check.model.installs import (
    normalize,
    pip_install_args,
    requirement_files,
    requirement_specs,
    spec_name,
    stage_python_dependencies,
)
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity
from podfit.core.servers import ServerKind

RULE = Rule(code="PF120", name="server-not-installed", severity=Severity.ERROR,
            summary="The image's CMD runs a server the image does not install.",
            category=Category.IMAGES)

#: Server kind -> the distribution that provides its executable.
PACKAGES = {
    ServerKind.GUNICORN: "gunicorn", ServerKind.UVICORN: "uvicorn",
    ServerKind.HYPERCORN: "hypercorn", ServerKind.UWSGI: "uwsgi",
    ServerKind.DAPHNE: "daphne", ServerKind.CELERY: "celery",
}


_OPTION = re.compile(r"^\s*(-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+|(?=[^\s=-]))(\S+)")


def _resolve(model: Model, folder: str, reference: str) -> Requirements | None:
    """The input requirements file ``reference`` names from ``folder`` (paths as check
    reports them, so a suffix match covers a check run from a parent directory)."""
    if reference.startswith("/") or "$" in reference:
        return None
    wanted = posixpath.normpath(posixpath.join(folder, reference)) if folder else \
        posixpath.normpath(reference)
    for req in model.requirements:
        if req.path == wanted or req.path.endswith("/" + wanted):
            return req
    return None


def _installed_by(model: Model, folder: str, reference: str) -> set[str] | None:
    """Names a ``-r reference`` install brings, following ``-r`` includes (``-c`` files only
    constrain); ``None`` when any file in the chain is not among the inputs."""
    root = _resolve(model, folder, reference)
    if root is None:
        return None
    names: set[str] = set()
    todo, seen = [root], set()
    while todo:
        req = todo.pop()
        if req.path in seen:
            continue
        seen.add(req.path)
        names |= {normalize(n) for n in req.names()}
        for line in req.text.splitlines():
            match = _OPTION.match(line)
            if match is None:
                continue
            found = _resolve(model, posixpath.dirname(req.path), match.group(2))
            if found is None:
                return None
            if match.group(1) in ("-r", "--requirement"):
                todo.append(found)
    return names


def _installed(model: Model, doc: DockerfileDoc) -> set[str] | None:
    """Every package the image's pip installs bring; ``None``: no install, or one podfit
    cannot read."""
    folder = posixpath.dirname(doc.path)
    names: set[str] = set()
    seen_install = False
    for stage in doc.stages:
        for cmd in stage_commands(stage):
            args = pip_install_args(cmd)
            if args is None:
                continue
            seen_install = True
            names |= {spec_name(s) for s in requirement_specs(args)}
            for reference in requirement_files(args):
                found = _installed_by(model, folder, reference)
                if found is None:
                    return None
                names |= found
        project = stage_python_dependencies(model, doc, stage)
        if project is not None:
            seen_install = True
            names |= {normalize(n) for n in project}
    return names if seen_install else None


def check(model: Model) -> Iterator[Hit]:
    for doc in model.dockerfiles:
        server = model.server_for_dockerfile(doc)
        if server is None:
            continue
        package = PACKAGES.get(server.command.kind)
        if package is None or any(package in s.image.lower() for s in doc.stages):
            continue
        installed = _installed(model, doc)
        if installed is None or package in installed:
            continue
        yield Hit(server.path, server.line,
                  f"the image runs '{package}' but no install step installs it (the "
                  "container would exit 127 at every start); add it, pinned, to the "
                  "dependencies the image installs")
