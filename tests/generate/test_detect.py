"""Detection reads files only: framework, app object, dependency manager, Python, native deps."""

from __future__ import annotations

from pathlib import Path

import pytest

from podfit.core.errors import InputError, UsageError
from podfit.generate import detect

BOOBY_TRAP = "raise SystemExit('podfit imported user code')\n"


def make(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


@pytest.mark.parametrize(("files", "framework", "ref"), [
    ({"app.py": BOOBY_TRAP + "from flask import Flask\napp = Flask(__name__)\n"},
     "flask", "app:app"),
    ({"main.py": "import fastapi\napi = fastapi.FastAPI()\n"}, "fastapi", "main:api"),
    ({"src/svc/web.py": "from starlette.applications import Starlette\napp = Starlette()\n"},
     "starlette", "svc.web:app"),
    ({"pkg/__init__.py": "from flask import Flask\ndef create_app():\n    return Flask('x')\n"},
     "flask", "pkg:create_app()"),
    ({"serve.py": "def application(environ, start_response):\n    return []\n"},
     "wsgi", "serve:application"),
    ({"asgi_app.py": "async def app(scope, receive, send):\n    pass\n"}, "asgi", "asgi_app:app"),
    ({"manage.py": "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site1.settings')\n",
      "site1/wsgi.py": "from django.core.wsgi import get_wsgi_application\n"
                       "application = get_wsgi_application()\n"},
     "django", "site1.wsgi:application"),
    ({"Procfile": "web: gunicorn 'svc.main:server' --workers 2\n", "svc/main.py": "x = 1\n"},
     "wsgi", "svc.main:server"),
])
def test_framework_and_app_object(tmp_path: Path, files: dict[str, str], framework: str,
                                  ref: str) -> None:
    root = make(tmp_path, {"requirements.txt": "flask\n", **files})
    facts = detect(root)
    assert facts.source.web is not None
    assert (facts.source.web.framework, facts.source.web.ref) == (framework, ref)


def test_celery_worker_and_script(tmp_path: Path) -> None:
    root = make(tmp_path, {"requirements.txt": "celery\n",
                           "worker.py": "from celery import Celery\ncelery_app = Celery('w')\n",
                           "job.py": "if __name__ == '__main__':\n    print(1)\n"})
    src = detect(root).source
    assert src.web is None
    assert src.worker is not None
    assert src.worker.ref == "worker:celery_app"
    assert src.script == ("python", "job.py")


@pytest.mark.parametrize(("files", "manager"), [
    ({"requirements.txt": "flask\n"}, "requirements"),
    ({"requirements.txt": "flask\n", "requirements.in": "flask\n"}, "pip-tools"),
    ({"pyproject.toml": "[project]\nname='x'\ndependencies=['flask']\n"}, "pyproject"),
    ({"pyproject.toml": "[tool.poetry.dependencies]\npython='^3.11'\n", "poetry.lock": ""},
     "poetry"),
    ({"pyproject.toml": "[project]\nname='x'\n", "pdm.lock": ""}, "pdm"),
    ({"Pipfile": "[packages]\nflask='*'\n"}, "pipenv"),
    ({"pyproject.toml": "[project]\nname='x'\n", "uv.lock": ""}, "uv"),
    ({"pyproject.toml": "[project]\nname='x'\n[tool.uv]\n", "uv.lock": "",
      "poetry.lock": ""}, "uv"),
])
def test_dependency_manager(tmp_path: Path, files: dict[str, str], manager: str) -> None:
    assert detect(make(tmp_path, files)).deps.manager == manager


def test_several_lock_files_without_a_tie_breaker_ask_for_a_choice(tmp_path: Path) -> None:
    root = make(tmp_path, {"pyproject.toml": "[project]\nname='x'\n", "uv.lock": "",
                           "poetry.lock": ""})
    with pytest.raises(UsageError) as info:
        detect(root)
    assert "uv.lock" in info.value.message
    assert "--deps" in str(info.value.hint)
    assert detect(root, deps="poetry").deps.manager == "poetry"


@pytest.mark.parametrize(("files", "version"), [
    ({".python-version": "3.12.4\n"}, "3.12"),
    # the lowest allowed release that is still maintained (3.10 reached its end of life)
    ({"pyproject.toml": "[project]\nname='x'\nrequires-python='>=3.10,<4'\n"}, "3.11"),
    ({"pyproject.toml": "[project]\nname='x'\nrequires-python='>=3.14'\n"}, "3.14"),
    ({"Pipfile": "[requires]\npython_version = '3.13'\n"}, "3.13"),
    ({"runtime.txt": "python-3.13.1\n"}, "3.13"),
    ({"pyproject.toml": "[tool.poetry.dependencies]\npython='^3.11'\n"}, "3.11"),
    ({"pyproject.toml": "[tool.poetry.dependencies]\npython='~3.9'\n"}, "3.9"),
    ({}, "3.12"),
])
def test_python_version(tmp_path: Path, files: dict[str, str], version: str) -> None:
    root = make(tmp_path, {"requirements.txt": "flask\n", **files})
    assert detect(root).deps.python_version == version


@pytest.mark.parametrize(("files", "message"), [
    ({"pyproject.toml": "[project]\nname='x'\nrequires-python='>=3.15'\n"}, "no supported"),
    ({".python-version": "3.8\n"}, "does not support"),
    ({"runtime.txt": "python-3.7.2\n"}, "does not support"),
])
def test_unsupported_python_is_an_error_not_a_fallback(tmp_path: Path, files: dict[str, str],
                                                       message: str) -> None:
    root = make(tmp_path, {"requirements.txt": "flask\n", **files})
    with pytest.raises(UsageError, match=message) as info:
        detect(root)
    assert "--python" in str(info.value.hint)


def test_workspace_member_finds_the_root_lock_and_python(tmp_path: Path) -> None:
    root = make(tmp_path, {
        "pyproject.toml": "[project]\nname='ws'\n[tool.uv.workspace]\nmembers=['svc/*']\n",
        ".python-version": "3.13\n", "uv.lock": "version = 1\n",
        "svc/api/pyproject.toml": "[project]\nname='api'\ndependencies=['fastapi']\n",
        "svc/api/main.py": "from fastapi import FastAPI\napp = FastAPI()\n"})
    deps = detect(root / "svc" / "api").deps
    assert deps.manager == "uv"
    assert deps.python_version == "3.13"
    assert deps.workspace is not None
    assert deps.workspace.member == "svc/api"
    assert {"uv.lock", "pyproject.toml", "svc/api/pyproject.toml"} <= set(deps.files)


def test_deps_uv_without_a_lock_is_refused(tmp_path: Path) -> None:
    root = make(tmp_path, {"pyproject.toml": "[project]\nname='x'\n"})
    with pytest.raises(UsageError, match=r"no uv\.lock"):
        detect(root, deps="uv")


def test_old_pin_without_a_wheel_gets_build_and_runtime_packages(tmp_path: Path) -> None:
    root = make(tmp_path, {"requirements.txt": "psycopg2-binary==2.8.6\n",
                           ".python-version": "3.11\n"})
    native = {n.name: n for n in detect(root).deps.native}
    assert "libpq-dev" in native["psycopg2-binary"].build_packages
    assert native["psycopg2-binary"].runtime_packages == ("libpq5",)
    new = make(tmp_path / "new", {"requirements.txt": "psycopg2-binary==2.9.10\n",
                                  ".python-version": "3.11\n"})
    wheel = {n.name: n for n in detect(new).deps.native}["psycopg2-binary"]
    assert wheel.build_packages == ()
    assert wheel.runtime_packages == ()


def test_native_dependencies_from_requirements_and_locks(tmp_path: Path) -> None:
    root = make(tmp_path, {"requirements.txt": "-r base.txt\nPillow==11\nrequests\n",
                           "base.txt": "psycopg2==2.9.10  # db\nmysqlclient\n"})
    native = {n.name: n for n in detect(root).deps.native}
    assert set(native) == {"psycopg2", "mysqlclient", "pillow"}
    assert "libpq-dev" in native["psycopg2"].build_packages
    assert native["psycopg2"].runtime_packages == ("libpq5",)
    assert native["pillow"].build_packages == ()


def test_not_a_python_project_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        detect(make(tmp_path, {"README.md": "hi\n"}))
    assert info.value.hint


def test_broken_toml_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"pyproject\.toml"):
        detect(make(tmp_path, {"pyproject.toml": "[project\n"}))


def test_unparseable_source_is_skipped(tmp_path: Path) -> None:
    root = make(tmp_path, {"requirements.txt": "flask\n", "bad.py": "def (:\n",
                           "app.py": "from flask import Flask\napp = Flask('x')\n"})
    web = detect(root).source.web
    assert web is not None
    assert web.ref == "app:app"
