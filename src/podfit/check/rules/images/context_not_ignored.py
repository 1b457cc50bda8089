"""## What it does
Reports a Dockerfile whose build context — taken to be the Dockerfile's directory — holds
`.git`, `.venv`, `venv`, `__pycache__`, `node_modules` or `.env`, with no `.dockerignore` there,
or with one that does not exclude them. (A build run with another context, such as
`docker build -f app/Dockerfile .`, is not seen.)

## Why is this bad?
The whole context is sent to the builder before the first instruction runs: `.git` and
virtualenvs often weigh hundreds of megabytes, so every build waits for them. `COPY . .` then
ships them: a host virtualenv shadows or breaks the image's packages (its binaries are built
for another system), `__pycache__` busts the layer cache on every run, and `.env` puts local
secrets into the image.

## Example
```text
# file: Dockerfile
FROM python:3.12-slim
COPY . /app
# file: .env
DATABASE_PASSWORD=local
```

## Use instead
```text
# file: Dockerfile
FROM python:3.12-slim
COPY . /app
# file: .env
DATABASE_PASSWORD=local
# file: .dockerignore
.env
```

## Fix safety
No automatic fix: some builds need `.git` (e.g. setuptools-scm versions).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity

RULE = Rule(code="PF113", name="context-not-ignored", severity=Severity.WARNING,
            summary="The build context holds .git, virtualenvs or .env not in .dockerignore.",
            category=Category.IMAGES)

#: Entries that should never reach a Python build context.
HEAVY = (".git", ".venv", "venv", "__pycache__", "node_modules", ".env")


def check(model: Model) -> Iterator[Hit]:
    for doc in model.dockerfiles:
        directory = posixpath.dirname(doc.path) or "."
        entries = model.context_entries.get(directory)
        if not entries:
            continue
        present = [name for name in HEAVY if name in entries]
        if not present:
            continue
        ignore = model.dockerignores.get(directory)
        name = posixpath.basename(doc.path)
        if ignore is None:
            if ".dockerignore" in entries or f"{name}.dockerignore" in entries:
                continue  # present but not read (e.g. excluded): cannot judge
            yield Hit(doc.path, 1,
                      f"the build context ({directory}) holds {', '.join(present)} and has no "
                      ".dockerignore: they are sent to the builder on every build and "
                      "copied by any 'COPY .'; add a .dockerignore that excludes them")
            continue
        missed = [entry for entry in present if not ignore.ignores(entry)]
        if missed:
            yield Hit(doc.path, 1,
                      f"{ignore.path} does not exclude {', '.join(missed)}, which the build "
                      "context holds; add them to it")
