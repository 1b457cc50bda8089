"""## What it does
Reports an image (or a container) that runs a Python module with `python app.py` /
`python -m svc` when that module starts a framework's development server: Flask or Quart
`app.run()`, Dash `app.run_server()`, Socket.IO `socketio.run(app)`, or
`uvicorn.run(..., reload=True)`. The module is read from the folder of the Dockerfile that
builds the image, with Python's `ast` — never imported or run.

Needs: the module among the files next to the image's Dockerfile, and a `python` command in
its `CMD`/`ENTRYPOINT` or the container's `command`/`args`.

## Why is this bad?
`app.run()` is Werkzeug's development server: its own docs say not to use it in production.
It has no worker processes to use the pod's CPU, no request timeouts, and no graceful drain on
SIGTERM; with `debug=True` it also serves an interactive debugger that runs code. PF543 sees
`flask run`; this rule sees the same server started from inside the program.

## Example
```dockerfile
# file: Dockerfile
FROM python:3.12-slim
COPY . /app
WORKDIR /app
CMD ["python", "app.py"]
# file: app.py
from flask import Flask

app = Flask(__name__)

if __name__ == "__main__":
    app.run(host="0.0.0.0", port=8080)
```

## Use instead
```dockerfile
# file: Dockerfile
FROM python:3.12-slim
COPY . /app
WORKDIR /app
CMD ["gunicorn", "--bind", "0.0.0.0:8080", "app:app"]
# file: app.py
from flask import Flask

app = Flask(__name__)
```

## Fix safety
No automatic fix: the server, its workers and the app's import path are yours to choose.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.documents import DockerfileDoc
from podfit.check.model.servers import EffectiveServer
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity

RULE = Rule(code="PF548", name="dev-server-in-module", severity=Severity.ERROR,
            summary="The module the image runs starts a development server (app.run()).",
            category=Category.SHUTDOWN_PROBES)


def check(model: Model) -> Iterator[Hit]:
    seen: set[tuple[str, int]] = set()
    candidates: list[tuple[EffectiveServer | None, DockerfileDoc | None]] = [
        (server, server.dockerfile) for server in model.servers.values()
        if server is not None and server.dockerfile is not None]
    candidates += [(model.server_for_dockerfile(doc), doc) for doc in model.dockerfiles]
    for server, doc in candidates:
        if server is None or doc is None or str(server.command.kind) != "python":
            continue
        module = model.files.module_run_by(server.command.argv, doc)
        if module is None or not module.dev_servers or (server.path, server.line) in seen:
            continue
        seen.add((server.path, server.line))
        dev = module.dev_servers[0]
        run = " ".join(server.command.argv)
        yield Hit(server.path, server.line,
                  f"`{run}` runs {posixpath.basename(module.path)}, which starts a development "
                  f"server at line {dev.line} ({dev.call}): one process, no timeouts, no "
                  "graceful drain on SIGTERM; serve the app with gunicorn/uvicorn workers "
                  "instead (e.g. `gunicorn module:app`)")
