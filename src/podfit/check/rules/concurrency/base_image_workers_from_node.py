"""## What it does
Reports an image built `FROM` (or a container running) a base image that sizes its worker
count from the node's CPUs, when nothing caps it: `tiangolo/uvicorn-gunicorn*`,
`tiangolo/meinheld-gunicorn*` (gunicorn workers = CPU cores × `WORKERS_PER_CORE`, at least
2, unless `WEB_CONCURRENCY` or `MAX_WORKERS` is set) and `tiangolo/uwsgi-nginx*` (up to 16
uWSGI processes, `UWSGI_PROCESSES`, unless set). The variables are looked for in the
Dockerfile's `ENV` and in the `env` of every container that runs the image.

Needs: the base image's name (these images are Python by construction), and that its start
script runs: no `CMD`/`ENTRYPOINT` of the Dockerfile's own, no container `command`/`args`.

## Why is this bad?
Inside a container the CPU count is the node's, not the pod's limit: on a 32-core node such
an image starts 32 gunicorn workers (or 16 uWSGI processes) under a 500m CPU limit. They
fight over half a core, multiply the memory (each worker holds the app), and the pod is
throttled or OOM-killed at load; on a smaller node the same image behaves differently.

## Example
```dockerfile
FROM tiangolo/uvicorn-gunicorn-fastapi:python3.11
COPY ./app /app
```

## Use instead
```dockerfile
FROM tiangolo/uvicorn-gunicorn-fastapi:python3.11
ENV WEB_CONCURRENCY=2
COPY ./app /app
```

## Fix safety
No automatic fix: the right count follows from the pod's CPU limit (`podfit profile`).
"""

from __future__ import annotations

from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.documents import GUNICORN_START as _GUNICORN
from podfit.check.model.documents import UWSGI_START as _UWSGI
from podfit.check.model.documents import own_start
from podfit.check.model.servers import container_env
from podfit.check.model.workloads import container_name, cpu_allowance
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity

RULE = Rule(code="PF308", name="base-image-workers-from-node", severity=Severity.WARNING,
            summary="The base image sizes its workers from the node's CPUs, not the pod's.",
            category=Category.CONCURRENCY)

_GUNICORN_CAPS = ("WEB_CONCURRENCY", "MAX_WORKERS")
_UWSGI_CAPS = ("UWSGI_PROCESSES",)


def _kind(image: str) -> tuple[str, tuple[str, ...]] | None:
    if _GUNICORN.search(image):
        return ("gunicorn workers = CPU cores × WORKERS_PER_CORE (at least 2)", _GUNICORN_CAPS)
    if _UWSGI.search(image):
        return ("up to 16 uWSGI processes (UWSGI_PROCESSES)", _UWSGI_CAPS)
    return None


def _cpu(value: float | None) -> str:
    return "no CPU limit" if value is None else f"a CPU allowance of {value:g}"


def check(model: Model) -> Iterator[Hit]:
    linked: set[int] = set()  # id() of containers already covered by their Dockerfile
    for doc in model.dockerfiles:
        stage = doc.final_stage
        found = _kind(doc.base_image(stage)) if stage is not None else None
        if stage is None or found is None or own_start(stage):
            continue  # a CMD/ENTRYPOINT of its own replaces the image's start script
        formula, caps = found
        if any(doc.stage_env(stage).get(c) for c in caps):
            continue
        users = [w for w in model.workloads()
                 if w.container.get("image") and model.dockerfile_for_image(
                     str(w.container["image"]), w.obj.path) is doc]
        linked |= {id(w) for w in users}
        open_users = [w for w in users if not any(container_env(w).get(c) for c in caps)]
        if users and not open_users:
            continue
        where = "; ".join(f"{w.obj.ref} has {_cpu(cpu_allowance(w.container))}"
                          for w in open_users[:3])
        yield Hit(doc.path, stage.line,
                  f"'{doc.base_image(stage)}' starts {formula} from the node's CPU count, not "
                  f"the pod's{' (' + where + ')' if where else ''}; set {' or '.join(caps)} "
                  "to match the CPU limit")
    for workload in model.workloads():
        image = str(workload.container.get("image", ""))
        found = _kind(image)
        if found is None or id(workload) in linked or "command" in workload.container \
                or "args" in workload.container:
            continue  # the container's own command does not run the image's formula
        formula, caps = found
        if any(container_env(workload).get(c) for c in caps):
            continue
        yield Hit(workload.obj.path, workload.line_of("image"),
                  f"container '{container_name(workload)}' runs '{image}', which starts "
                  f"{formula} from the node's CPU count, not the pod's "
                  f"({_cpu(cpu_allowance(workload.container))}); set {' or '.join(caps)} in "
                  "its env to match the CPU limit")
