"""## What it does
Reports `pip install`, `uv pip install`, `uv sync` and `poetry install` in a stage of the final
image that keep their download cache in the layer: no cache mount, no `--no-cache-dir`
(`--no-cache` for uv and poetry), no `PIP_NO_CACHE_DIR`/`UV_NO_CACHE`, and no `rm -rf` of the
cache in the same `RUN`. (pip turns its cache off for any boolean `PIP_NO_CACHE_DIR`, even
`0` or `off`: a legacy quirk it keeps.) A `RUN --mount=type=cache,target=/root/.cache/…` is
the better answer and is *not* reported (hadolint's DL3042 reports it: hadolint#497). Builder
stages are not checked: their cache never reaches the final image.

## Why is this bad?
pip and uv keep every wheel they download in `~/.cache`; in an image layer that is dead
weight, often as large as the installed packages themselves, pulled by every node.

## Example
```dockerfile
FROM python:3.12-slim
COPY requirements.txt .
RUN pip install -r requirements.txt
```

## Use instead
```dockerfile
FROM python:3.12-slim
COPY requirements.txt .
RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt
```
(or `pip install --no-cache-dir -r requirements.txt` where BuildKit is not available).

## Fix safety
Safe: inserts `--no-cache-dir` after `pip install` (`--no-cache` after `uv pip install` or
`uv sync`) when the `RUN` has one such command; the installed packages are the same.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.documents import DockerfileDoc, Instruction
from podfit.check.model.images import (
    Command,
    build_env,
    cache_targets,
    image_stages,
    line_column,
    truthy,
)
from podfit.check.model.installs import pip_install_args, subcommand_args
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Fix, FixSafety, Severity, TextEdit

RULE = Rule(code="PF106", name="package-cache-in-layer", severity=Severity.WARNING,
            summary="pip/uv/poetry keep their download cache in an image layer.",
            category=Category.IMAGES, fix=FixSafety.SAFE)

_WHERE = {"pip": re.compile(r"\bpip[0-9.]*(\s+-\S+)*\s+install\b"),
          "uv": re.compile(r"\buv\s+(pip\s+install|sync)\b")}


def _installer(cmd: Command) -> tuple[str, list[str]] | None:
    """``(tool, args)`` for a caching install command."""
    args = pip_install_args(cmd)
    if args is not None:
        return ("uv" if cmd.head == "uv" else "pip"), [*cmd.argv, *args]
    for tool, sub in (("uv", "sync"), ("poetry", "install")):
        args = subcommand_args(cmd, tool, sub)
        if args is not None:
            return tool, list(cmd.argv)
    return None


def check(model: Model) -> Iterator[Hit]:
    for doc in model.dockerfiles:
        for stage in image_stages(doc):
            env = build_env(doc, stage)
            for ins in stage.instructions:
                if any(".cache" in t or t in {env.get("PIP_CACHE_DIR"), env.get(
                        "UV_CACHE_DIR"), env.get("POETRY_CACHE_DIR")} for t in cache_targets(ins)):
                    continue
                cmds = model.commands(ins)
                if any(_clears_cache(c, env) for c in cmds):
                    continue
                offending: list[tuple[str, Command]] = []
                for cmd in cmds:
                    found = _installer(cmd)
                    if found is None:
                        continue
                    tool, words = found
                    here = {**env, **cmd.env}
                    # pip disables its cache for ANY boolean PIP_NO_CACHE_DIR, "0" and
                    # "off" included (pip keeps that legacy quirk on purpose)
                    if tool == "pip" and ("--no-cache-dir" in words or _BOOLEAN.match(
                            here.get("PIP_NO_CACHE_DIR", ""))):
                        continue
                    if tool in {"uv", "poetry"} and ("--no-cache" in words or (
                            tool == "uv" and truthy(here.get("UV_NO_CACHE")))):
                        continue
                    offending.append((tool, cmd))
                if not offending:
                    continue
                tool, cmd = offending[0]
                option = "--no-cache-dir" if tool == "pip" else "--no-cache"
                shown = " ".join(cmd.argv)
                shown = shown if len(shown) <= 60 else shown[:59] + "…"
                yield Hit(doc.path, ins.line,
                          f"'{shown}' keeps its download cache in the layer; use 'RUN "
                          f"--mount=type=cache,target={_cache_dir(tool, env)}' or add "
                          f"'{option}'", fix=_fix(doc, ins, offending))


_BOOLEAN = re.compile(r"^\s*(1|0|y|yes|n|no|t|true|f|false|on|off)\s*$", re.I)
_CLEARS = {("pip", "cache"), ("uv", "cache"), ("poetry", "cache")}
_CACHE_VARIABLES = ("PIP_CACHE_DIR", "UV_CACHE_DIR", "POETRY_CACHE_DIR")


def _clears_cache(cmd: Command, env: dict[str, str]) -> bool:
    """``rm -rf ~/.cache/pip`` (or the moved cache dir), ``pip cache purge``, ``uv cache
    clean``, ``poetry cache clear`` in the same RUN."""
    if cmd.head == "rm":
        moved = tuple(env[v] for v in _CACHE_VARIABLES if env.get(v))
        return any(".cache" in a or "_CACHE_DIR" in a or (moved and a.startswith(moved))
                   for a in cmd.argv[1:])
    return len(cmd.argv) > 1 and (cmd.head, cmd.argv[1]) in _CLEARS


def _cache_dir(tool: str, env: dict[str, str]) -> str:
    """Where ``tool`` caches as root, unless the environment moves it."""
    variable = {"pip": "PIP_CACHE_DIR", "uv": "UV_CACHE_DIR", "poetry": "POETRY_CACHE_DIR"}[tool]
    default = {"pip": "/root/.cache/pip", "uv": "/root/.cache/uv",
               "poetry": "/root/.cache/pypoetry"}[tool]
    return env.get(variable) or default


def _fix(doc: DockerfileDoc, ins: Instruction, offending: list[tuple[str, Command]]) -> Fix | None:
    tools = {tool for tool, _ in offending}
    if len(offending) != 1 or tools == {"poetry"}:
        return None
    tool = offending[0][0]
    places = line_column(doc, ins, _WHERE[tool])
    if len(places) != 1:
        return None
    line, _start, end = places[0]
    option = "--no-cache-dir" if tool == "pip" else "--no-cache"
    return Fix(f"add {option}", FixSafety.SAFE,
               text_edits=(TextEdit(line, end, line, end, f" {option}"),))
