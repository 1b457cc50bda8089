"""## What it does
Reports a container that runs a base image's own start script — `tiangolo/uvicorn-gunicorn*`,
`tiangolo/meinheld-gunicorn*` or `tiangolo/uwsgi-nginx*`, directly or as the `FROM` of the
Dockerfile linked to its image — whose workers cannot fit in its memory limit at
`worker-memory` each (the floor of one Python web worker, 60Mi by default), the check PF307
and PF310 make for gunicorn and uWSGI commands. The count is what the image starts:
`WEB_CONCURRENCY`, or at least 2 gunicorn workers (`MAX_WORKERS` may cap them) plus the
master; `UWSGI_PROCESSES` (16 by default) uWSGI processes plus the master. The variables are
read from the Dockerfile's `ENV` and the container's `env`.

Needs: the base image's name (these images are Python by construction), no command of the
container's own (nor a `CMD`/`ENTRYPOINT` of its Dockerfile other than the image's
`/start.sh`), and a memory limit.

## Why is this bad?
Each worker imports the app. These images size the count from the node's CPUs (gunicorn) or
a fixed 16 (uWSGI, which `cheaper` only delays until load arrives), not from the pod's
limit: at peak load the kernel's OOM killer ends the container and the restart drops every
request in flight.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: legacy}
spec:
  selector: {matchLabels: {app: legacy}}
  template:
    metadata: {labels: {app: legacy}}
    spec:
      containers:
        - name: legacy
          image: tiangolo/uwsgi-nginx-flask:python3.12
          resources: {limits: {cpu: 500m, memory: 512Mi}}
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: legacy}
spec:
  selector: {matchLabels: {app: legacy}}
  template:
    metadata: {labels: {app: legacy}}
    spec:
      containers:
        - name: legacy
          image: tiangolo/uwsgi-nginx-flask:python3.12
          env:
            - {name: UWSGI_PROCESSES, value: "2"}
          resources: {limits: {cpu: 500m, memory: 512Mi}}
```

## Fix safety
No automatic fix: memory per worker is a measurement (`podfit profile`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from podfit.check.model import Model
from podfit.check.model.documents import GUNICORN_START as _GUNICORN
from podfit.check.model.documents import UWSGI_START as _UWSGI
from podfit.check.model.documents import own_start
from podfit.check.model.servers import container_env
from podfit.check.model.workloads import Workload, container_name, resources
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity
from podfit.core.policy import DEFAULT_WORKER_MEMORY_BYTES
from podfit.core.units import format_memory, parse_memory

RULE = Rule(code="PF311", name="base-image-workers-exceed-memory", severity=Severity.ERROR,
            summary="A base image's own worker count × per-worker memory above the limit.",
            category=Category.CONCURRENCY)

#: tiangolo/uwsgi-nginx's ``UWSGI_PROCESSES`` default (``UWSGI_CHEAPER`` 2 only delays them).
_UWSGI_DEFAULT = 16
#: The gunicorn images' floor: ``max(cores × WORKERS_PER_CORE, 2)``; the node's cores are
#: unknown, so the floor is the count podfit can be sure of.
_GUNICORN_FLOOR = 2


def _int(value: str | None) -> int | None:
    return int(value) if value is not None and value.strip().isdigit() else None


def _base(model: Model, workload: Workload) -> tuple[str, dict[str, str]] | None:
    """The start-script base image the container runs, and the env it sees."""
    image = str(workload.container.get("image", ""))
    if _GUNICORN.search(image) or _UWSGI.search(image):
        return image, container_env(workload)
    doc = model.dockerfile_for_image(image, workload.obj.path) if image else None
    stage = doc.final_stage if doc is not None else None
    if doc is None or stage is None:
        return None
    base = doc.base_image(stage)
    if not (_GUNICORN.search(base) or _UWSGI.search(base)) or own_start(stage):
        return None
    return base, {**doc.stage_env(stage), **container_env(workload)}


def workers(base: str, env: Mapping[str, str]) -> tuple[int, str]:
    """How many worker processes the image starts at least, and why."""
    if _UWSGI.search(base):
        count = _int(env.get("UWSGI_PROCESSES"))
        if count is not None:
            return count, f"UWSGI_PROCESSES={count}"
        return _UWSGI_DEFAULT, f"the image's default of {_UWSGI_DEFAULT}"
    count = _int(env.get("WEB_CONCURRENCY"))
    if count is not None:
        return count, f"WEB_CONCURRENCY={count}"
    cap = _int(env.get("MAX_WORKERS"))
    if cap is not None and cap < _GUNICORN_FLOOR:
        return cap, f"MAX_WORKERS={cap}"
    return _GUNICORN_FLOOR, "at least 2: CPU cores × WORKERS_PER_CORE"


def check(model: Model) -> Iterator[Hit]:
    try:
        per_worker = parse_memory(model.settings.worker_memory)
    except ValueError:
        per_worker = DEFAULT_WORKER_MEMORY_BYTES
    for workload in model.workloads():
        if "command" in workload.container or "args" in workload.container:
            continue  # the container's own command: PF307 / PF310 judge it
        limit = resources(workload.container).memory_limit
        found = _base(model, workload) if limit is not None and limit > 0 else None
        if found is None or limit is None or model.server_for(workload) is not None:
            continue
        base, env = found
        count, why = workers(base, env)
        kind = "uWSGI processes" if _UWSGI.search(base) else "gunicorn workers"
        total = (count + 1) * per_worker  # + the master
        if total <= limit:
            continue
        fit = int(limit // per_worker) - 1
        cap = "UWSGI_PROCESSES" if _UWSGI.search(base) else "WEB_CONCURRENCY"
        fewer = f"set {cap} to at most {fit} or " if fit > 0 else ""
        yield Hit(workload.obj.path, workload.line_of("resources", "image"),
                  f"container '{container_name(workload)}' runs '{base}', which starts {count} "
                  f"{kind} ({why}) + 1 master; at {format_memory(per_worker)} each that is "
                  f"{format_memory(total)}, above its memory limit of {format_memory(limit)}: "
                  f"{fewer}raise the limit to {format_memory(total)} or more")
