"""## What it does
Reports `pip install NAME` (or `uv pip install NAME`) in a `RUN` where a package is given
without any version and nothing else constrains it: no `-r`/`-c` file, no `--require-hashes`,
no `PIP_CONSTRAINT`. A range (`'uv>=0.5'`) is accepted as a deliberate choice, although an
exact pin or a lock file is what makes builds repeatable. Local paths, wheels, URLs, `.` and
`-e .` are fine, and so are `pip`, `setuptools` and `wheel` themselves (the installer, not
the app).

## Why is this bad?
An unpinned install takes whatever is newest on the day of the build: two builds of the same
commit can ship different code, a new major release can break the app in production, and a
cached layer on one builder differs from a fresh build on another.

## Example
```dockerfile
FROM python:3.12-slim
RUN pip install --no-cache-dir gunicorn
```

## Use instead
```dockerfile
FROM python:3.12-slim
RUN pip install --no-cache-dir gunicorn==23.0.0
```
(or list it in a locked `requirements.txt`).

## Fix safety
No automatic fix: the version to pin is the one you test with.
"""

from __future__ import annotations

from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.images import build_env
from podfit.check.model.installs import pip_install_args, requirement_specs, spec_name
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity

RULE = Rule(code="PF107", name="unpinned-pip-install", severity=Severity.WARNING,
            summary="`pip install` of a package without a version.",
            category=Category.IMAGES)

_PINNING = ("-r", "--requirement", "-c", "--constraint", "--require-hashes")
_TOOLS = frozenset({"pip", "setuptools", "wheel"})


def _pinned(spec: str) -> bool:
    """Any version specifier or direct reference counts; a bare name does not."""
    return any(op in spec for op in ("=", "<", ">", "@"))


def check(model: Model) -> Iterator[Hit]:
    for doc in model.dockerfiles:
        for stage in doc.stages:
            env = build_env(doc, stage)
            for ins in stage.instructions:
                loose: list[str] = []
                for cmd in model.commands(ins):
                    args = pip_install_args(cmd)
                    if args is None or {**env, **cmd.env}.get("PIP_CONSTRAINT") or any(
                            a.startswith(_PINNING) for a in args):
                        continue
                    loose += [s for s in requirement_specs(args)
                              if not _pinned(s) and spec_name(s) not in _TOOLS]
                if loose:
                    yield Hit(doc.path, ins.line,
                              f"pip installs {', '.join(repr(s) for s in loose)} without a "
                              "version, so each build takes the newest release; pin with '==' "
                              "or install from a locked requirements file")
