"""## What it does
Reports `ADD` of local files or directories from the build context. `ADD` of a URL or a git
repository is left alone (pin it with `--checksum` or a commit), and so is `ADD` of a local
archive (`*.tar`, `*.tar.gz`, `*.tgz`, `*.tar.xz`…): unpacking is what `ADD` is for, and
`COPY` + `RUN tar` would ship the archive in an extra layer.

## Why is this bad?
`ADD` does more than copy: it unpacks local tar archives and fetches URLs. For plain files that
magic is a trap (a file that happens to be a tarball is unpacked) and it hides intent; `COPY`
does exactly one thing and is what readers and tools expect.

## Example
```dockerfile
FROM python:3.12-slim
ADD . /app
```

## Use instead
```dockerfile
FROM python:3.12-slim
COPY . /app
```

## Fix safety
Safe: replaces the `ADD` keyword with `COPY` when no source is a URL, a git reference or named
like an archive, and no `ADD`-only option (`--checksum`, `--keep-git-dir`, `--unpack`) is used.
(`ADD` also unpacks a tar archive not named like one; such a file is assumed not to exist.)
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Fix, FixSafety, Severity, TextEdit

RULE = Rule(code="PF112", name="add-instead-of-copy", severity=Severity.WARNING,
            summary="`ADD` of local files: use `COPY`.",
            category=Category.IMAGES, fix=FixSafety.SAFE)

_REMOTE = re.compile(r"^([a-z][a-z0-9+.-]*://|git@)", re.I)
_ARCHIVE = re.compile(r"\.(tar|tgz|tbz2?|txz|tar\.(gz|bz2|xz|zst|lz4|lzma))$", re.I)
_ADD_ONLY = ("--checksum", "--keep-git-dir", "--unpack")
_KEYWORD = re.compile(r"^\s*add\b", re.I)


def check(model: Model) -> Iterator[Hit]:
    lines_of: dict[str, list[str]] = {}
    for doc in model.dockerfiles:
        for ins in doc.instructions:
            if ins.cmd != "ADD" or len(ins.args) < 2:
                continue
            sources = ins.args[:-1]
            if any(_REMOTE.match(s) or _ARCHIVE.search(s) for s in sources) or any(
                    f.startswith(_ADD_ONLY) for f in ins.flags):
                continue
            lines = lines_of.setdefault(doc.path, doc.text.splitlines())
            match = _KEYWORD.match(lines[ins.line - 1]) if ins.line <= len(lines) else None
            fix = None
            if match is not None:
                start = match.end() - 3
                fix = Fix("replace ADD with COPY", FixSafety.SAFE,
                          text_edits=(TextEdit(ins.line, start, ins.line, match.end(), "COPY"),))
            yield Hit(doc.path, ins.line,
                      f"ADD of local {', '.join(repr(s) for s in sources)}: use COPY, which "
                      "only copies (ADD also unpacks archives and fetches URLs)", fix=fix)
