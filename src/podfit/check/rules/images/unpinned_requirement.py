"""## What it does
Reports packages without any version in a requirements file that an image installs with
`pip install -r FILE`, following the `-r` includes inside it (`-r requirements/base.txt`).
Skipped when the install is constrained anyway: a `-c`/`--constraint` file, `--require-hashes`, or
`PIP_CONSTRAINT`.

Needs: the Dockerfile and the requirements files among the inputs. Python-specific by
construction (pip).

## Why is this bad?
`pip install -r requirements.txt` with `flask` (no version) takes the newest release on the
day of the build: two builds of the same commit can ship different code, and a new major
release can break production without a change in the repository.

## Example
```dockerfile
# file: Dockerfile
FROM python:3.12-slim
COPY requirements.txt ./
COPY requirements/ requirements/
RUN pip install --no-cache-dir -r requirements.txt
# file: requirements.txt
-r requirements/base.txt
# file: requirements/base.txt
flask
```

## Use instead
Pin every line (`flask==3.1.0`), or compile a lock (`pip-compile`, `uv pip compile`) and
install that.

## Fix safety
No automatic fix: the version to pin is the one you test with.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.documents import Requirements
from podfit.check.model.images import build_env
from podfit.check.model.installs import pip_install_args, requirement_files
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity

RULE = Rule(code="PF119", name="unpinned-requirement", severity=Severity.WARNING,
            summary="A requirements file the image installs lists packages with no version.",
            category=Category.IMAGES)

_INCLUDE = re.compile(r"^\s*(?:-r|--requirement)(?:\s*=\s*|\s+|(?=[^\s=-]))(\S+)")
_CONSTRAINT = re.compile(r"^\s*(?:-c|--constraint|--require-hashes)\b|--hash[=:]", re.M)
_PINNING = ("-c", "--constraint", "--require-hashes")


def _find(model: Model, near: str, reference: str) -> Requirements | None:
    """The requirements file ``reference`` names, from the folder of ``near`` or one above it
    (a build context may be any of them), nearest first; an absolute path inside the image
    is matched by its file name."""
    wanted = posixpath.basename(reference) if reference.startswith("/") else \
        posixpath.normpath(reference)
    folder = posixpath.dirname(near)
    best: tuple[int, Requirements] | None = None
    for req in model.files.requirements.near(model.scope, near):
        if req.path != wanted and not req.path.endswith("/" + wanted):
            continue
        root = req.path[:-len(wanted)].rstrip("/")
        if root == folder or not root or folder.startswith(root + "/"):
            depth = folder.count("/") - root.count("/") if root else folder.count("/") + 1
            if best is None or depth < best[0]:
                best = (depth, req)
    return best[1] if best else None


def _closure(model: Model, root: Requirements) -> list[Requirements] | None:
    """The file and every file it includes; ``None`` when any of them constrains pins."""
    seen: dict[str, Requirements] = {}
    todo = [root]
    while todo:
        req = todo.pop()
        if req.path in seen:
            continue
        if _CONSTRAINT.search(req.text):
            return None
        seen[req.path] = req
        for line in req.text.splitlines():
            match = _INCLUDE.match(line)
            if match:
                found = _find(model, req.path, match.group(1))
                if found is not None:
                    todo.append(found)
    return list(seen.values())


def check(model: Model) -> Iterator[Hit]:
    reported: set[tuple[str, int]] = set()
    for doc in model.dockerfiles:
        for stage in doc.stages:
            env = build_env(doc, stage)
            for ins in stage.instructions:
                for cmd in model.commands(ins) if ins.cmd == "RUN" else ():
                    args = pip_install_args(cmd)
                    if args is None or {**env, **cmd.env}.get("PIP_CONSTRAINT") or any(
                            a.startswith(_PINNING) for a in args):
                        continue
                    for reference in requirement_files(args):
                        if "$" in reference:
                            continue
                        root = _find(model, doc.path, reference)
                        for req_file in _closure(model, root) or [] if root else []:
                            yield from _unpinned(req_file, reported)


def _unpinned(req_file: Requirements, reported: set[tuple[str, int]]) -> Iterator[Hit]:
    for req in req_file.requirements:
        if req.spec.strip() or (req_file.path, req.line) in reported:
            continue  # any specifier is a decision (PF107 accepts ranges the same way)
        reported.add((req_file.path, req.line))
        yield Hit(req_file.path, req.line,
                  f"'{req.name}' has no version, so every image build installs its newest "
                  "release; pin it (==) or install from a compiled lock file")
