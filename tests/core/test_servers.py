"""The one server-command parser: kinds, wrappers seen through, and wrappers put back."""

from __future__ import annotations

import pytest

from podfit.core.servers import ServerKind, parse_server_command, unwrap
from podfit.profile.server import parse_command


@pytest.mark.parametrize(("argv", "kind", "wrapped_by"), [
    (["gunicorn", "app:app"], ServerKind.GUNICORN, ()),
    (["uv", "run", "uvicorn", "app:app"], ServerKind.UVICORN, ("uv run",)),
    (["poetry", "run", "celery", "-A", "proj", "worker"], ServerKind.CELERY, ("poetry run",)),
    (["tini", "--", "gunicorn", "app:app"], ServerKind.GUNICORN, ("tini",)),
    (["dumb-init", "uwsgi", "--ini", "uwsgi.ini"], ServerKind.UWSGI, ("dumb-init",)),
    (["env", "A=1", "daphne", "proj.asgi:application"], ServerKind.DAPHNE, ("env",)),
    (["python", "-m", "hypercorn", "app:app"], ServerKind.HYPERCORN, ("python -m",)),
    (["sh", "-c", "exec gunicorn app:app"], ServerKind.GUNICORN, ("sh -c", "exec")),
    (["python", "manage.py", "runserver"], ServerKind.DJANGO_RUNSERVER, ()),
    (["flask", "run"], ServerKind.FLASK_RUN, ()),
    (["python", "worker.py"], ServerKind.PYTHON, ()),
    (["./serve"], ServerKind.OTHER, ()),
])
def test_kinds_behind_wrappers(argv: list[str], kind: ServerKind,
                               wrapped_by: tuple[str, ...]) -> None:
    parsed = parse_server_command(argv)
    assert parsed is not None
    assert (parsed.kind, parsed.wrapped_by) == (kind, wrapped_by)


def test_kind_values_are_the_names_findings_show() -> None:
    assert ServerKind.DJANGO_RUNSERVER == "runserver"
    assert f"{ServerKind.FLASK_RUN}" == "flask-run"


@pytest.mark.parametrize("argv", [
    ["uv", "run", "--", "gunicorn", "app:app"],
    ["tini", "-g", "--", "exec", "gunicorn", "app:app"],
    ["sh", "-c", "cd /app && export A=1; B=2 exec gunicorn app:app  # start"],
    ["bash", "-lc", "sh -c 'poetry run python -m gunicorn app:app'", "argv0"],
])
def test_rewrap_without_change_gives_the_same_command(argv: list[str]) -> None:
    unwrapped = unwrap(argv)
    assert unwrapped is not None
    assert unwrapped.argv[-2:] == ("gunicorn", "app:app")
    again = unwrap(unwrapped.rewrap(unwrapped.argv))
    assert again is not None
    assert (again.argv, again.wrapped_by, again.env) == (unwrapped.argv, unwrapped.wrapped_by,
                                                         unwrapped.env)


def test_rewrap_keeps_variables_expanding() -> None:
    unwrapped = unwrap(["sh", "-c", "gunicorn -w $(nproc) app:app"])
    assert unwrapped is not None
    assert unwrapped.rewrap(["gunicorn", "-w", "$(nproc)", "$APP"]) == [
        "sh", "-c", 'gunicorn -w "$(nproc)" "$APP"']


# Drift bug (issue 8): profile had its own parser that saw only ``gunicorn``/``python -m``;
# behind ``uv run``, ``tini`` or ``sh -c`` it ran one "generic" configuration.
@pytest.mark.parametrize(("argv", "expected"), [
    (["uv", "run", "gunicorn", "-w", "9", "app:app"],
     ["uv", "run", "gunicorn", "app:app", "--workers", "2", "--bind", "127.0.0.1:9000",
      "--worker-class", "gthread", "--threads", "4"]),
    (["tini", "--", "gunicorn", "app:app"],
     ["tini", "--", "gunicorn", "app:app", "--workers", "2", "--bind", "127.0.0.1:9000",
      "--worker-class", "gthread", "--threads", "4"]),
    (["sh", "-c", "cd /app; exec gunicorn --bind 0.0.0.0:80 app:app"],
     ["sh", "-c", "cd /app; exec gunicorn app:app --workers 2 --bind 127.0.0.1:9000 "
      "--worker-class gthread --threads 4"]),
    (["poetry", "run", "uvicorn", "--port", "80", "app:app"],
     ["poetry", "run", "uvicorn", "app:app", "--workers", "2", "--host", "127.0.0.1",
      "--port", "9000"]),
])
def test_profile_sees_through_wrappers(argv: list[str], expected: list[str]) -> None:
    command = parse_command(argv)
    assert command.sweeps_workers
    built, _ = command.build(2, 4, "127.0.0.1", 9000)
    assert built == expected


def test_profile_kind_is_the_shared_enum() -> None:
    assert parse_command(["./serve", "{port}"]).kind is ServerKind.OTHER
    assert parse_command(["sh", "-c", "exec uvicorn app:app"]).kind is ServerKind.UVICORN
