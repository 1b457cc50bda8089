"""## What it does
Reports a final image whose command starts the app through `uv run`, `poetry run`,
`pipenv run`, `pdm run`, `hatch run` or `rye run` — in `CMD`/`ENTRYPOINT`, or as the last
command of the entrypoint script they run — and one that runs a tool with `uvx` or `pipx run`.

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
COPY --from=ghcr.io/astral-sh/uv:0.5.4 /uv /bin/uv
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-cache --compile-bytecode --no-install-project
COPY . .
CMD ["uv", "run", "gunicorn", "app:app"]
```

## Use instead
```dockerfile
FROM python:3.12-slim
COPY --from=ghcr.io/astral-sh/uv:0.5.4 /uv /bin/uv
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-cache --compile-bytecode --no-install-project
COPY . .
ENV PATH="/app/.venv/bin:$PATH"
CMD ["gunicorn", "app:app"]
```

## Fix safety
No automatic fix: the virtualenv's location (and so the `PATH` to set) depends on how the
project is installed.
"""

from __future__ import annotations

from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity
from podfit.core.servers import parse_server_command, split_shell

RULE = Rule(code="PF117", name="package-runner-at-runtime", severity=Severity.WARNING,
            summary="The image starts the app through `uv run`, `poetry run` or a similar runner.",
            category=Category.IMAGES)

_VALUE_OPTIONS = frozenset({"--from", "--with", "--python", "-p", "--project", "--directory",
                            "--env-file", "--group", "--extra", "--spec"})
_RUNNERS = ("uv run", "poetry run", "pipenv run", "pdm run", "hatch run", "rye run")


def check(model: Model) -> Iterator[Hit]:
    for doc in model.dockerfiles:
        argv, instruction = model.image_command(doc)
        if not argv or instruction is None:
            continue
        path, line = doc.path, instruction.line
        script = model.script(argv[0], doc.path)
        if script is not None and script.last_command is not None:
            # an entrypoint script: judge the command it ends with
            line, text = script.last_command
            path, argv = script.path, split_shell(text)
        command = parse_server_command(argv)
        if command is None:
            continue
        where = "the image" if path == doc.path else "the entrypoint script"
        rest = list(command.argv)
        if rest and (rest[0].rsplit("/", 1)[-1] == "uvx" or rest[:2] == ["pipx", "run"]):
            tool = "uvx" if rest[0].rsplit("/", 1)[-1] == "uvx" else "pipx run"
            program = _first_word(rest[1 if tool == "uvx" else 2:])
            yield Hit(path, line,
                      f"{where} runs '{program}' with '{tool}', which resolves and may download "
                      "it into a temporary environment at every start; install it at build "
                      "time and run it directly")
            continue
        runner = next((w for w in command.wrapped_by if w in _RUNNERS), None)
        if runner is None:
            continue
        program = _after(argv, runner) or _first_word(rest)
        yield Hit(path, line,
                  f"{where} starts '{program}' through '{runner}', which resolves the "
                  "environment at every start (slower starts, writes to the filesystem, an "
                  f"extra process); install at build time and run '{program}' from the "
                  "virtualenv directly")


def _first_word(argv: list[str]) -> str:
    """The program in ``argv``, past runner options and their values (``--with x``)."""
    skip = False
    for word in argv:
        if skip:
            skip = False
        elif word.startswith("-"):
            skip = word in _VALUE_OPTIONS
        else:
            return word
    return "the app"


def _after(argv: list[str], runner: str) -> str:
    """The command ``runner`` runs, as written (``python -m app``), past its options."""
    words = runner.split()
    for index in range(len(argv) - 1):
        if argv[index].rsplit("/", 1)[-1] == words[0] and argv[index + 1] == words[1]:
            rest = argv[index + 2:]
            start = _first_word(rest)
            text = " ".join(rest[rest.index(start):]) if start in rest else ""
            return text if len(text) <= 50 else text[:49] + "…"
    return ""
