"""## What it does
Reports a final image whose command starts the app through `uv run`, `poetry run`,
`pipenv run`, `pdm run`, `hatch run` or `rye run`.

## Why is this bad?
These runners resolve the project at every start: `uv run` checks (and may re-sync) the lock
and the environment, `poetry run` and `pipenv run` start a Python interpreter of their own to
find the virtualenv. That adds start-up time to each pod (slower scale-up and rollouts), may
write to the filesystem (fails under `readOnlyRootFilesystem`, or downloads packages in
production) and puts an extra process between the container runtime and the server, which can
swallow or delay SIGTERM. Install into a virtualenv at build time and run its executables
directly.

## Example
```dockerfile
FROM python:3.12-slim
COPY . /app
RUN pip install --no-cache-dir uv==0.5.4 && uv sync --frozen --no-cache
CMD ["uv", "run", "gunicorn", "app:app"]
```

## Use instead
```dockerfile
FROM python:3.12-slim
COPY . /app
RUN pip install --no-cache-dir uv==0.5.4 && uv sync --frozen --no-cache
ENV PATH="/app/.venv/bin:$PATH"
CMD ["gunicorn", "app:app"]
```

## Fix safety
No automatic fix: the virtualenv's location (and so the `PATH` to set) depends on how the
project is installed.
"""

from __future__ import annotations

from collections.abc import Iterator

from podfit.check.project import Project
from podfit.check.rule import Category, Hit, Rule
from podfit.check.servers import parse_server_command
from podfit.core.models import Severity

RULE = Rule(code="PF117", name="package-runner-at-runtime", severity=Severity.WARNING,
            summary="The image's command starts the app through `uv run`/`poetry run`/… .",
            category=Category.IMAGES)

_RUNNERS = ("uv run", "poetry run", "pipenv run", "pdm run", "hatch run", "rye run")


def check(project: Project) -> Iterator[Hit]:
    for doc in project.dockerfiles:
        argv, instruction = project.image_command(doc)
        command = parse_server_command(argv) if argv else None
        if command is None or instruction is None:
            continue
        runner = next((w for w in command.wrapped_by if w in _RUNNERS), None)
        if runner is None:
            continue
        target = " ".join(command.argv[:3]) or "the app"
        yield Hit(doc.path, instruction.line,
                  f"the image starts '{target}' through '{runner}', which resolves the "
                  "environment at every start (slower starts, writes to the filesystem, an "
                  "extra process); install at build time and run the virtualenv's "
                  f"'{command.argv[0] if command.argv else 'executable'}' directly")
