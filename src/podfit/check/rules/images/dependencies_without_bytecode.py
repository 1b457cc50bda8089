"""## What it does
Reports packages installed into the final image without bytecode: `uv sync` or
`uv pip install` without `--compile-bytecode` (or `UV_COMPILE_BYTECODE=1`), and
`pip install --no-compile`, in the final image's stages or in a builder stage it copies files
from, when no `python -m compileall` runs after them.

What is checked is what can be known from the Dockerfile: pip compiles what it installs by
default and uv does not (it compiles lazily at first import). The app's own code copied with
`COPY` is not judged here: see PF115 for the setting that prevents caching it.

## Why is this bad?
Without `.pyc` files every import compiles its module first. In a container that happens on
each cold start — each new pod, each restart, each scale-up — and costs seconds for a large
dependency tree on a small CPU limit, exactly when a pod is slow to become ready. With
`readOnlyRootFilesystem: true` (or a non-root user who does not own `site-packages`) the
compiled files cannot even be cached, so every worker process pays it again.

## Example
```dockerfile
FROM python:3.12-slim
COPY --from=ghcr.io/astral-sh/uv:0.5.4 /uv /bin/uv
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-project
```

## Use instead
```dockerfile
FROM python:3.12-slim
COPY --from=ghcr.io/astral-sh/uv:0.5.4 /uv /bin/uv
ENV UV_COMPILE_BYTECODE=1
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-project
```

## Fix safety
Safe: adds `--compile-bytecode` after `uv sync` / `uv pip install` when the `RUN` has one
such command. The build takes longer; the installed files are the same plus their `.pyc`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.images import (
    Command,
    build_env,
    copied_from,
    image_stages,
    line_column,
    runs_compileall,
    truthy,
)
from podfit.check.model.installs import pip_install_args, subcommand_args
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Fix, FixSafety, Severity, TextEdit

RULE = Rule(code="PF116", name="dependencies-without-bytecode", severity=Severity.WARNING,
            summary="Dependencies are installed without bytecode: imports compile at start.",
            category=Category.IMAGES, fix=FixSafety.SAFE)

_WHERE = re.compile(r"\buv\s+(pip\s+install|sync)\b")


def check(model: Model) -> Iterator[Hit]:
    for doc in model.dockerfiles:
        chain = image_stages(doc)
        for stage in [*copied_from(doc, chain), *chain]:
            env = build_env(doc, stage)
            pending: list[tuple[Command, str]] = []
            for cmd in model.stage_commands(stage):
                if runs_compileall(cmd):
                    pending = []
                    continue
                args = pip_install_args(cmd)
                sync = subcommand_args(cmd, "uv", "sync")
                words = [*(args or []), *(sync or [])]
                if cmd.head == "uv" and (args is not None or sync is not None):
                    if "--compile-bytecode" not in words and "--compile" not in words and \
                            not truthy({**env, **cmd.env}.get("UV_COMPILE_BYTECODE")):
                        pending.append((cmd, "uv installs without compiling bytecode; add "
                                        "--compile-bytecode (or ENV UV_COMPILE_BYTECODE=1)"))
                elif args is not None and "--no-compile" in args:
                    pending.append((cmd, "'pip install --no-compile' ships no bytecode; drop "
                                    "--no-compile or run 'python -m compileall' afterwards"))
            later = chain[chain.index(stage) + 1:] if stage in chain else chain
            if any(runs_compileall(c) for s in later for c in model.stage_commands(s)):
                pending = []  # compiled after the copy or in a later stage
            for cmd, message in pending:
                places = line_column(doc, cmd.ins, _WHERE)
                fix = None
                if cmd.head == "uv" and len(places) == 1:
                    line, _start, end = places[0]
                    fix = Fix("add --compile-bytecode", FixSafety.SAFE,
                              text_edits=(TextEdit(line, end, line, end, " --compile-bytecode"),))
                yield Hit(doc.path, cmd.ins.line, f"{message}: every cold start compiles "
                          "the imported modules again", fix=fix)
