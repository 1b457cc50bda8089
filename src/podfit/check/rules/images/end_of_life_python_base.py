"""## What it does
Reports a `FROM` whose Python base image carries a CPython release past its end of life:
2.7, 3.6, 3.8… (`python:3.8-slim`, `tiangolo/uwsgi-nginx-flask:python3.6`). The dates come
from podfit's table of CPython support windows (`podfit.core.python_eol`, from the
developer's guide and each release's PEP).

Needs: a Python base image whose tag names the minor version; `python:3-slim` names none
(PF101 reports that it floats).

## Why is this bad?
An end-of-life CPython gets no security fixes, its base images stop being rebuilt (so the OS
packages age too), and new releases of your dependencies drop it: upgrades pile up until one
is forced on you.

## Example
```dockerfile
FROM python:3.8-slim
```

## Use instead
```dockerfile
FROM python:3.13-slim
```

## Fix safety
No automatic fix: a new Python may need dependency upgrades; test it.
"""

from __future__ import annotations

from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity
from podfit.core.python_eol import end_of_life, newest_supported, python_version_of_image

RULE = Rule(code="PF118", name="end-of-life-python-base", severity=Severity.WARNING,
            summary="The base image's CPython release gets no more security fixes.",
            category=Category.IMAGES)


def check(model: Model) -> Iterator[Hit]:
    newest = newest_supported()
    for doc in model.dockerfiles:
        aliases = {s.alias for s in doc.stages if s.alias}
        for stage in doc.stages:
            image = doc.base_image(stage)
            if image in aliases:
                continue
            version = python_version_of_image(image)
            record = end_of_life(version) if version else None
            if record is None:
                continue
            since = f"since {record.end:%Y-%m-%d} ({record.source})" if record.end else \
                "for years"
            yield Hit(doc.path, stage.line,
                      f"'{image}' runs CPython {record.label}, end of life {since}: no more "
                      f"security fixes; move to a supported release such as "
                      f"{newest[0]}.{newest[1]}")
