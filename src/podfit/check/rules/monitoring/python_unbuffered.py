"""## What it does
Reports a Python image (or a Python container without a linked Dockerfile) that does not set
`PYTHONUNBUFFERED=1`.

## Why is this bad?
When stdout is not a terminal, Python buffers it in blocks of 8 KiB. In a container, logs then
arrive late and out of order with stderr, and the last lines before a crash or an OOM kill are
lost — exactly the lines you need.

## Example
```dockerfile
FROM python:3.12-slim
CMD ["gunicorn", "app:app"]
```

## Use instead
```dockerfile
FROM python:3.12-slim
ENV PYTHONUNBUFFERED=1
CMD ["gunicorn", "app:app"]
```

## Fix safety
Safe: adds `ENV PYTHONUNBUFFERED=1` after the final stage's `FROM` (or the env entry to the
container). Output is unchanged apart from arriving at once.
"""

from __future__ import annotations

from collections.abc import Iterator

from podfit.check.project import Project
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Fix, FixSafety, Severity, TextEdit, YamlEdit

RULE = Rule(code="PF701", name="python-unbuffered-unset", severity=Severity.WARNING,
            summary="PYTHONUNBUFFERED is not set: logs are delayed and lost on crashes.",
            category=Category.MONITORING, fix=FixSafety.SAFE)


def check(project: Project) -> Iterator[Hit]:
    linked = set()
    for workload in project.workloads():
        server = project.server_for(workload)
        if server is None or server.command.kind == "other":
            continue  # only containers known to run Python
        if server.dockerfile is not None:
            linked.add(server.dockerfile.path)
        if server.env.get("PYTHONUNBUFFERED"):
            continue
        if server.dockerfile is not None:
            continue  # reported once, on the Dockerfile, below
        container = workload.container
        fix = Fix("add PYTHONUNBUFFERED=1 to the container's env", FixSafety.SAFE,
                  yaml_edits=(YamlEdit(workload.obj.document, workload.ref.path if
                                       workload.obj.list_item is None else
                                       ("items", workload.obj.list_item, *workload.ref.path),
                                       "env", {"name": "PYTHONUNBUFFERED", "value": "1"},
                                       "append"),))
        yield Hit(workload.obj.path, workload.line_of("env", "image"),
                  f"container '{container.get('name', '?')}' runs {server.command.kind} "
                  "without PYTHONUNBUFFERED=1", fix=fix)
    for doc in project.dockerfiles:
        stage = doc.final_stage
        server = project.server_for_dockerfile(doc)
        is_python = "python" in doc.base_image(stage).lower() if stage else False
        if stage is None or not (is_python or (server and server.command.kind != "other")):
            continue
        if doc.stage_env(stage).get("PYTHONUNBUFFERED"):
            continue
        fix = Fix("add ENV PYTHONUNBUFFERED=1 after FROM", FixSafety.SAFE, text_edits=(
            TextEdit(stage.line + 1, 0, stage.line + 1, 0, "ENV PYTHONUNBUFFERED=1\n"),))
        yield Hit(doc.path, stage.line, "final stage does not set PYTHONUNBUFFERED=1", fix=fix)
