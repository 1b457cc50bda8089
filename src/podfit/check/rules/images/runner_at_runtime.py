"""## What it does
Reports a final image whose command starts the app through `uv run`, `poetry run`,
`pipenv run`, `pdm run`, `hatch run` or `rye run` — in `CMD`/`ENTRYPOINT`, or as the last
command of the entrypoint script they run.

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
from podfit.check.servers import parse_server_command, split_shell
from podfit.core.models import Severity

RULE = Rule(code="PF117", name="package-runner-at-runtime", severity=Severity.WARNING,
            summary="The image's command starts the app through `uv run`/`poetry run`/… .",
            category=Category.IMAGES)

_RUNNERS = ("uv run", "poetry run", "pipenv run", "pdm run", "hatch run", "rye run")


def check(project: Project) -> Iterator[Hit]:
    for doc in project.dockerfiles:
        argv, instruction = project.image_command(doc)
        if not argv or instruction is None:
            continue
        path, line = doc.path, instruction.line
        script = project.script(argv[0])
        if script is not None and script.last_command is not None:
            # an entrypoint script: judge the command it ends with
            line, text = script.last_command
            path, argv = script.path, split_shell(text)
        command = parse_server_command(argv)
        runner = next((w for w in command.wrapped_by if w in _RUNNERS), None) if command else None
        if command is None or runner is None:
            continue
        program = next((a for a in command.argv if not a.startswith("-")), "the app")
        where = "the image" if path == doc.path else path
        yield Hit(path, line,
                  f"{where} starts '{program}' through '{runner}', which resolves the "
                  "environment at every start (slower starts, writes to the filesystem, an "
                  f"extra process); install at build time and run '{program}' from the "
                  "virtualenv directly")
