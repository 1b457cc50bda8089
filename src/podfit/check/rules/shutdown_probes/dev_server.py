"""## What it does
Reports a development server started by a container, the final stage of a Dockerfile, or a
Procfile (when no Kubernetes objects are checked): `flask run`, `manage.py runserver`,
`fastapi dev`, or gunicorn/uvicorn/hypercorn with `--reload`.

## Why is this bad?
Development servers are built for a laptop: `flask run` and `runserver` serve one request at
a time per thread with no worker management or hardening (their own docs say "do not use it
in production"), `fastapi dev` binds 127.0.0.1 and reloads, and `--reload` runs a file
watcher as the parent process that burns CPU polling the image and restarts the app on any
change. None of them drain requests on SIGTERM the way a production server does.

## Example
```dockerfile
FROM python:3.12-slim
CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]
```

## Use instead
```dockerfile
FROM python:3.12-slim
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "mysite.wsgi"]
```

## Fix safety
No automatic fix: pick a production server (gunicorn for WSGI, uvicorn or gunicorn with
uvicorn workers for ASGI).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.processes import commands
from podfit.check.model.workloads import container_name
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity

RULE = Rule(code="PF543", name="dev-server", severity=Severity.ERROR,
            summary="A development server (flask run, runserver, fastapi dev, --reload) runs.",
            category=Category.SHUTDOWN_PROBES)

_WHAT = {
    "flask-run": "`flask run` (Werkzeug's development server)",
    "runserver": "`manage.py runserver` (Django's development server)",
    "fastapi-dev": "`fastapi dev` (uvicorn with --reload on 127.0.0.1)",
}
_INSTEAD = {
    "flask-run": "use gunicorn (`gunicorn app:app`)",
    "runserver": "use gunicorn (`gunicorn mysite.wsgi`)",
    "fastapi-dev": "use `fastapi run` or uvicorn without --reload",
}
#: Dockerfiles named for development (Dockerfile.dev, local.Dockerfile) are meant for it.
_DEV_FILE = re.compile(r"(^|[._-])(dev|develop|development|local|test)([._-]|$)", re.I)


def check(model: Model) -> Iterator[Hit]:
    for server, workload in commands(model):
        command = server.command
        if not command.is_dev_server:
            continue
        if workload is None and server.dockerfile is not None and _DEV_FILE.search(
                posixpath.basename(server.path)):
            continue
        what = _WHAT.get(command.kind, f"{command.kind} with --reload")
        instead = _INSTEAD.get(command.kind, "drop --reload")
        who = f"container '{container_name(workload)}' runs" if workload else "runs"
        yield Hit(server.path, server.line,
                  f"{who} {what}: a development server, not built for production traffic or "
                  f"graceful shutdown; {instead}")
