"""## What it does
Reports `apt-get install` (or `apt install`) without `--no-install-recommends` in a stage of
the final image. Builder stages are not checked: their packages are not shipped.

## Why is this bad?
apt installs the *recommended* packages of everything it installs, recursively. They are not
needed for a package's core function, yet they routinely add tens of megabytes (sometimes more
than what you asked for), grow the CVE surface and slow every pull.

## Example
```dockerfile
FROM python:3.12-slim
RUN apt-get update && apt-get install -y libpq5 && rm -rf /var/lib/apt/lists/*
```

## Use instead
```dockerfile
FROM python:3.12-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 \
    && rm -rf /var/lib/apt/lists/*
```

## Fix safety
Safe: inserts `--no-install-recommends` right after `install`. Recommends are, in Debian
Policy's words, found with a package in all but unusual installations, not required by it; if
the app relied on one, install it by name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.images import image_stages, line_column
from podfit.check.model.installs import subcommand_args
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Fix, FixSafety, Severity, TextEdit

RULE = Rule(code="PF108", name="apt-install-recommends", severity=Severity.WARNING,
            summary="`apt-get install` without `--no-install-recommends`.",
            category=Category.IMAGES, fix=FixSafety.SAFE)

_WHERE = re.compile(r"\bapt(-get)?(\s+-\S+)*\s+install\b")
_OFF = ("--no-install-recommends", "APT::Install-Recommends=false", "APT::Install-Recommends=0",
        "APT::Install-Recommends=\"false\"")


def check(model: Model) -> Iterator[Hit]:
    for doc in model.dockerfiles:
        for stage in image_stages(doc):
            for ins in stage.instructions:
                installs = [args for cmd in model.commands(ins)
                            for tool in ("apt-get", "apt")
                            if (args := subcommand_args(cmd, tool, "install")) is not None]
                missing = [i for i, args in enumerate(installs)
                           if not any(a.endswith(_OFF) for a in args)]
                if not missing:
                    continue
                places = line_column(doc, ins, _WHERE)
                fix = None
                if len(places) == len(installs):
                    fix = Fix("add --no-install-recommends", FixSafety.SAFE, text_edits=tuple(
                        TextEdit(places[i][0], places[i][2], places[i][0], places[i][2],
                                 " --no-install-recommends") for i in missing))
                yield Hit(doc.path, ins.line,
                          "apt-get install without --no-install-recommends installs "
                          "recommended packages too; add --no-install-recommends", fix=fix)
