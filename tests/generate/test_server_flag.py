"""``--server uwsgi|hypercorn|daphne``: the flag wins over the framework default, the command
binds the port and stops within the shutdown budget, the server is installed pinned, and
``podfit check`` passes the output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.images import run_podfit
from podfit.core.errors import UsageError
from podfit.generate import render
from podfit.generate.budget import GRACEFUL_SECONDS
from podfit.generate.profile_input import load_profile
from tests.generate.test_detect import make
from tests.generate.test_plan import FLASK, PROFILE, plan_for

FLASK_BARE = {"requirements.txt": "flask==3.1.0\n", "app.py": FLASK["app.py"]}
FASTAPI = {"requirements.txt": "fastapi==0.115.0\n",
           "main.py": "from fastapi import FastAPI\napp = FastAPI()\n"}


def _decision(plan: Any, key: str) -> str:
    return next(f"{d.value} | {d.reason}" for d in plan.decisions if d.key == key)


def test_uwsgi_command_env_and_install(tmp_path: Path) -> None:
    plan = plan_for(tmp_path, FLASK_BARE, server="uwsgi", port=8080)
    web = plan.web
    assert plan.server == "uwsgi"
    assert web is not None
    argv = web.command
    assert argv[0] == "uwsgi"
    assert "--die-on-term" in argv
    assert "--master" in argv
    assert argv[argv.index("--http-socket") + 1] == "0.0.0.0:8080"
    assert argv[argv.index("--module") + 1] == "app:app"
    assert argv[argv.index("--harakiri") + 1] == "30"
    assert argv[argv.index("--worker-reload-mercy") + 1] == str(GRACEFUL_SECONDS)
    assert argv[argv.index("--hook-master-start") + 1] == \
        "unix_signal:15 gracefully_kill_them_all"
    env = dict(web.env)
    # 500m request, no CPU limit: floor(0.5) -> at least 1 process, x 8 threads
    assert env["UWSGI_PROCESSES"] == "1"
    assert env["UWSGI_THREADS"] == "8"
    assert plan.server_packages == ("uwsgi==2.0.28",)
    assert not plan.runtime
    # uwsgi has no wheels: the pinned server brings its compiler into the builder stage
    assert {"gcc", "libc6-dev"} <= set(plan.build_packages)
    assert plan.libpython
    assert web.probes["readiness"].kind == "tcp"
    assert web.port == 8080
    assert "set with --server" in _decision(plan, "server")
    assert "uwsgi --master" in _decision(plan, "server")  # --explain shows the real command


def test_uwsgi_sized_from_profile(tmp_path: Path) -> None:
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(PROFILE))
    plan = plan_for(tmp_path / "p", FLASK_BARE, server="uwsgi", profile=load_profile(path))
    env = dict(plan.web.env)
    assert (env["UWSGI_PROCESSES"], env["UWSGI_THREADS"]) == ("3", "2")


def test_uwsgi_already_a_dependency_is_not_pinned_again(tmp_path: Path) -> None:
    files = {**FLASK_BARE, "requirements.txt": "flask==3.1.0\nuwsgi==2.0.26\n"}
    plan = plan_for(tmp_path, files, server="uwsgi")
    assert plan.server_packages == ()


@pytest.mark.parametrize("server", ["hypercorn", "daphne"])
def test_asgi_servers_bind_and_stop_within_the_budget(tmp_path: Path, server: str) -> None:
    plan = plan_for(tmp_path, FASTAPI, server=server)
    argv = plan.web.command
    assert argv[0] == server
    assert argv[-1] == "main:app"
    if server == "hypercorn":
        assert argv[argv.index("--bind") + 1] == "0.0.0.0:8000"
        assert argv[argv.index("--graceful-timeout") + 1] == str(GRACEFUL_SECONDS)
    else:
        assert argv[argv.index("--bind") + 1] == "0.0.0.0"
        assert argv[argv.index("--port") + 1] == "8000"
        assert argv[argv.index("--application-close-timeout") + 1] == str(GRACEFUL_SECONDS)
    assert plan.server_packages == ({"hypercorn": "hypercorn==0.17.3",
                                     "daphne": "daphne==4.1.2"}[server],)
    assert plan.build_packages == ()  # both are pure Python
    assert plan.web.grace_period > plan.web.prestop_seconds + GRACEFUL_SECONDS


def test_hypercorn_serves_wsgi_but_daphne_and_uwsgi_refuse_the_wrong_kind(
        tmp_path: Path) -> None:
    assert plan_for(tmp_path / "a", FLASK_BARE, server="hypercorn").web.command[0] == \
        "hypercorn"
    with pytest.raises(UsageError, match="cannot serve WSGI apps"):
        plan_for(tmp_path / "b", FLASK_BARE, server="daphne")
    with pytest.raises(UsageError, match="cannot serve ASGI apps"):
        plan_for(tmp_path / "c", FASTAPI, server="uwsgi")


def test_server_flag_wins_over_a_procfile(tmp_path: Path) -> None:
    files = {**FLASK_BARE, "Procfile": "web: gunicorn app:app --bind 0.0.0.0:$PORT\n"}
    plan = plan_for(tmp_path, files, server="hypercorn")
    assert plan.web.command[0] == "hypercorn"
    dockerfile = render(plan)["Dockerfile"]
    assert 'CMD ["hypercorn", "--bind", "0.0.0.0:8000"' in dockerfile
    assert "'hypercorn==0.17.3'" in dockerfile


@pytest.mark.parametrize(("server", "files"), [
    ("uwsgi", FLASK_BARE), ("hypercorn", FASTAPI), ("daphne", FASTAPI)])
def test_cli_output_is_check_clean(tmp_path: Path, server: str,
                                   files: dict[str, str]) -> None:
    root = make(tmp_path, files)
    done = run_podfit("init", "--server", server, root)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f'CMD ["{server}"' in (root / "Dockerfile").read_text()
    checked = run_podfit("check", root)
    assert checked.returncode == 0, checked.stdout + checked.stderr
