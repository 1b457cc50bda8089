"""## What it does
Reports three or more consecutive `RUN` instructions in a stage of the final image, with no
other instruction (`ENV`, `WORKDIR`, `COPY`, `USER`…) between them, once per sequence.

## Why is this bad?
Each `RUN` is a layer. Files removed by a later `RUN` still weigh in the layer that created
them, each layer costs a little on pull and on overlay lookups, and a long chain of tiny layers
is harder to read than one commented step. Steps that belong together (install, configure,
clean up) are best one `RUN`, joined with `&&` or written as a heredoc. Keep separate layers
only where the split buys caching (a slow, rarely-changing step first).

## Example
```dockerfile
FROM python:3.12-slim
RUN useradd --uid 10001 app
RUN mkdir /data
RUN chown app /data
```

## Use instead
```dockerfile
FROM python:3.12-slim
RUN useradd --uid 10001 app \
    && mkdir /data \
    && chown app /data
```

## Fix safety
No automatic fix: merging changes cache behaviour, a choice best made by hand.
"""

from __future__ import annotations

from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.documents import Instruction
from podfit.check.model.images import image_stages
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity

RULE = Rule(code="PF110", name="mergeable-run-layers", severity=Severity.INFO,
            summary="Several consecutive RUN instructions could be one layer.",
            category=Category.IMAGES)

#: Consecutive RUNs from which a sequence is reported.
MIN_RUNS = 3


def check(model: Model) -> Iterator[Hit]:
    for doc in model.dockerfiles:
        for stage in image_stages(doc):
            run: list[Instruction] = []
            for ins in (*stage.instructions, None):
                if ins is not None and ins.cmd == "RUN":
                    run.append(ins)
                    continue
                if len(run) >= MIN_RUNS:
                    yield Hit(doc.path, run[0].line,
                              f"{len(run)} consecutive RUN instructions (lines {run[0].line}-"
                              f"{run[-1].end_line}) each add a layer; join the steps that "
                              "belong together with '&&' or a heredoc")
                run = []
