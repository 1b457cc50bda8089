"""## What it does
Reports a Python image (or a Python container without a linked Dockerfile) that does not set
`PYTHONUNBUFFERED=1`.

Needs: an image whose final stage runs Python — a Python server or command, or a Python base
image whose command is not another program (a Python builder stage feeding an nginx or Go
final stage is not reported) — or a container running a Python server or command.

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

import posixpath
from collections.abc import Iterator, Mapping

from podfit.check.model import Model
from podfit.check.model.programs import OTHER_PROGRAMS, PYTHON_PROGRAMS
from podfit.check.model.servers import EffectiveServer
from podfit.check.model.workloads import Workload, container_name, yaml_path
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Fix, FixSafety, Severity, TextEdit, YamlEdit

RULE = Rule(code="PF701", name="python-unbuffered-unset", severity=Severity.WARNING,
            summary="PYTHONUNBUFFERED is not set: logs are delayed and lost on crashes.",
            category=Category.MONITORING, fix=FixSafety.SAFE)


def _flag_u(server: EffectiveServer | None) -> bool:
    """``python -u …``: unbuffered without the variable."""
    if server is None or server.command.kind != "python":
        return False
    for arg in server.command.argv[1:]:
        if not arg.startswith("-"):
            return False
        if arg == "-u" or (not arg.startswith("--") and arg[1:].isalpha() and "u" in arg[1:]):
            return True
    return False


def _set_in_container(workload: Workload, server: EffectiveServer) -> bool:
    if server.env.get("PYTHONUNBUFFERED"):
        return True
    items = workload.container.get("env")
    for item in items if isinstance(items, list) else []:
        if isinstance(item, Mapping) and item.get("name") == "PYTHONUNBUFFERED" and \
                item.get("valueFrom") is not None:
            return True  # from a ConfigMap or Secret: set, value unknown
    return False


def check(model: Model) -> Iterator[Hit]:
    covered: dict[str, bool] = {}  # Dockerfile -> every container running it sets the variable
    for workload in model.workloads():
        server = model.server_for(workload)
        if server is None or server.command.kind == "other":
            continue  # only containers known to run Python
        done = _set_in_container(workload, server) or _flag_u(server)
        if server.dockerfile is not None:
            path = server.dockerfile.path
            covered[path] = covered.get(path, True) and done
            continue  # reported once, on the Dockerfile, below
        if done or "envFrom" in workload.container:
            continue
        fix = Fix("add PYTHONUNBUFFERED=1 to the container's env", FixSafety.SAFE,
                  yaml_edits=(YamlEdit(workload.obj.document, yaml_path(workload), "env",
                                       {"name": "PYTHONUNBUFFERED", "value": "1"},
                                       "append"),))
        yield Hit(workload.obj.path, workload.line_of("env", "image"),
                  f"container '{container_name(workload)}' runs {server.command.kind} "
                  f"without PYTHONUNBUFFERED=1: {_WHY}; add it to the container's env",
                  fix=fix)
    for doc in model.dockerfiles:
        stage = doc.final_stage
        if stage is None or covered.get(doc.path) is True:
            continue
        server = model.server_for_dockerfile(doc)
        is_python = "python" in doc.base_image(stage).lower()
        if not (is_python or (server and server.command.kind != "other")) or _flag_u(server):
            continue
        if server is not None and server.command.kind == "other" and _runs_other(server):
            continue  # Python only builds this image; what runs is another program
        if doc.stage_env(stage).get("PYTHONUNBUFFERED"):
            continue
        lines = doc.text.splitlines()
        at_end = stage.line >= len(lines) and not doc.text.endswith("\n")
        edit = TextEdit(stage.line, len(lines[-1]), stage.line, len(lines[-1]),
                        "\nENV PYTHONUNBUFFERED=1") if at_end else TextEdit(
            stage.line + 1, 0, stage.line + 1, 0, "ENV PYTHONUNBUFFERED=1\n")
        fix = Fix("add ENV PYTHONUNBUFFERED=1 after FROM", FixSafety.SAFE, text_edits=(edit,))
        yield Hit(doc.path, stage.line, f"final stage does not set PYTHONUNBUFFERED=1: {_WHY}; "
                  "add ENV PYTHONUNBUFFERED=1", fix=fix)


_WHY = ("Python block-buffers stdout without a terminal, so logs arrive late and the last "
        "lines before a crash are lost")


def _runs_other(server: EffectiveServer) -> bool:
    """The image's command is a program known not to be Python (``nginx``, ``node``…)."""
    head = posixpath.basename(server.command.argv[0]) if server.command.argv else ""
    return head in OTHER_PROGRAMS and head not in PYTHON_PROGRAMS
