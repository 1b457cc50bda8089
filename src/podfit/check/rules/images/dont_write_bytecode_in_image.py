"""## What it does
Reports `PYTHONDONTWRITEBYTECODE` set (to any non-empty value, `0` included: Python only checks
that it is non-empty) in the final image, unless the image compiles its code with
`python -m compileall`.

## Why is this bad?
The variable is meant for developer machines, where it avoids `__pycache__` litter. In an
image it saves no space (pip compiles installed packages whatever it says), but it stops Python
from caching what was not compiled at build time: the app's own modules, and the standard
library, whose `.pyc` files the official `python` images delete. So every cold start — every
new pod, every restart — compiles them again, which adds up to seconds on a small CPU limit.
(With `readOnlyRootFilesystem: true` nothing can be cached at run time either way: compile at
build time.)

## Example
```dockerfile
FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1
COPY . /app
```

## Use instead
```dockerfile
FROM python:3.12-slim
COPY . /app
RUN python -m compileall -q /app
```

## Fix safety
Unsafe: removes the `ENV` line when it sets only this variable. Then the app writes
`__pycache__` directories at run time, which needs a writable app directory.
"""

from __future__ import annotations

from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.documents import env_pairs
from podfit.check.model.images import image_stages, runs_compileall, unquote
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Fix, FixSafety, Severity, TextEdit

RULE = Rule(code="PF115", name="dont-write-bytecode-in-image", severity=Severity.WARNING,
            summary="PYTHONDONTWRITEBYTECODE in the final image: every start recompiles.",
            category=Category.IMAGES, fix=FixSafety.UNSAFE)

NAME = "PYTHONDONTWRITEBYTECODE"


def check(model: Model) -> Iterator[Hit]:
    for doc in model.dockerfiles:
        chain = image_stages(doc)
        setting = None
        for stage in chain:
            for ins in stage.instructions:
                if ins.cmd == "ENV" and NAME in env_pairs(ins):
                    setting = ins
        if setting is None or not unquote(env_pairs(setting)[NAME]):
            continue
        if any(runs_compileall(c) for stage in chain for c in model.stage_commands(stage)):
            continue
        fix = None
        if len(env_pairs(setting)) == 1:
            fix = Fix(f"remove ENV {NAME}", FixSafety.UNSAFE, text_edits=(
                TextEdit(setting.line, 0, setting.end_line + 1, 0, ""),))
        yield Hit(doc.path, setting.line,
                  f"{NAME}={env_pairs(setting)[NAME]} in the final image stops Python from "
                  "caching bytecode: the app and the standard library are compiled again at "
                  "every start; remove it and run 'python -m compileall' at build time",
                  fix=fix)
