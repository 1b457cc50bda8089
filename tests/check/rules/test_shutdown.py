"""Fixtures for shutdown rules (PF540–PF599): exact (path, line) expectations.

``deploy(*lines)`` builds a Deployment whose first container is ``web`` with its ``image`` on
line 11; the given lines follow from line 12 (10-space indent for container keys).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from podfit.check.fixer import apply_text_edits
from tests.check.helpers import check_files, hits

HEADER = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: registry.example/web:1.0
"""
SERVICE = """\
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8000}]
"""
K8S = "k8s.yaml"


def deploy(*lines: str) -> str:
    return HEADER + "".join(f"{line}\n" for line in lines)


def cmd(*argv: str) -> str:
    return "          command: [" + ", ".join(f'"{a}"' for a in argv) + "]"


def env(name: str, value: str) -> str:
    return f"          env: [{{name: {name}, value: '{value}'}}]"


def sleep(seconds: int) -> str:
    return f"          lifecycle: {{preStop: {{sleep: {{seconds: {seconds}}}}}}}"


def grace(seconds: int) -> str:
    return f"      terminationGracePeriodSeconds: {seconds}"


# -- PF540 shell-form-server-command ---------------------------------------------------------
@pytest.mark.parametrize(("dockerfile", "expected"), [
    ("FROM python:3.12-slim\nCMD gunicorn app:app\n", [2]),
    ("FROM python:3.12-slim\nCMD uvicorn app:app --host 0.0.0.0\n", [2]),
    ("FROM python:3.12-slim\nENTRYPOINT celery -A proj worker\n", [2]),
    ("FROM python:3.12-slim\nCMD python app.py\n", [2]),
    ("FROM python:3.12-slim\nCMD python manage.py runserver 0.0.0.0:8000\n", [2]),
    ("FROM python:3.12-slim\nCMD gunicorn --bind 0.0.0.0:$PORT app:app\n", [2]),
    # multi-line shell form: reported at its first line
    ("FROM python:3.12-slim\nCMD gunicorn \\\n    --bind 0.0.0.0:8000 \\\n    app:app\n", [2]),
    # exec form, `exec` in shell form, non-Python commands, earlier stages
    ('FROM python:3.12-slim\nCMD ["gunicorn", "app:app"]\n', []),
    ("FROM python:3.12-slim\nCMD exec gunicorn app:app\n", []),
    ("FROM python:3.12-slim\nCMD python manage.py migrate && gunicorn app:app\n", [2]),
    ("FROM python:3.12-slim\nCMD python manage.py migrate && exec gunicorn app:app\n", []),
    ("FROM python:3.12-slim\nCMD ./start.sh\n", []),
    ("FROM nginx:1.27\nCMD nginx -g 'daemon off;'\n", []),
    ("FROM python:3.12-slim AS dev\nCMD flask run\nFROM python:3.12-slim\n"
     'CMD ["gunicorn", "app:app"]\n', []),
    # SHELL bash execs a lone simple command, not a list
    ('FROM python:3.12-slim\nSHELL ["/bin/bash", "-c"]\nCMD gunicorn app:app\n', []),
    ('FROM python:3.12-slim\nSHELL ["/bin/bash", "-c"]\nCMD cd /app && gunicorn app:app\n',
     [3]),
    # only the last CMD counts
    ('FROM python:3.12-slim\nCMD gunicorn app:app\nCMD ["gunicorn", "app:app"]\n', []),
])
def test_pf540_shell_form_server_command(tmp_path: Path, dockerfile: str,
                                         expected: list[int]) -> None:
    found = hits(tmp_path, {"Dockerfile": dockerfile}, "PF540")
    assert found == [("Dockerfile", line) for line in expected]


@pytest.mark.parametrize(("dockerfile", "fixed", "safety"), [
    ("FROM python:3.12-slim\nCMD gunicorn -b '0.0.0.0:8000' app:app\n",
     'FROM python:3.12-slim\nCMD ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]\n', "safe"),
    ("FROM python:3.12-slim\ncmd gunicorn \\\n  app:app\n",
     'FROM python:3.12-slim\ncmd ["gunicorn", "app:app"]\n', "safe"),
    ("FROM python:3.12-slim\nCMD gunicorn --bind 0.0.0.0:$PORT app:app\n",
     "FROM python:3.12-slim\nCMD exec gunicorn --bind 0.0.0.0:$PORT app:app\n", "unsafe"),
])
def test_pf540_fix(tmp_path: Path, dockerfile: str, fixed: str, safety: str) -> None:
    [finding] = check_files(tmp_path, {"Dockerfile": dockerfile}, ("PF540",)).findings
    assert finding.fix is not None
    assert str(finding.fix.safety) == safety
    assert apply_text_edits(dockerfile, finding.fix.text_edits) == fixed


def test_pf540_no_fix_for_shell_lists(tmp_path: Path) -> None:
    dockerfile = "FROM python:3.12-slim\nCMD python manage.py migrate && gunicorn app:app\n"
    [finding] = check_files(tmp_path, {"Dockerfile": dockerfile}, ("PF540",)).findings
    assert finding.fix is None


# -- PF541 entrypoint-script-without-exec ----------------------------------------------------
ENTRY = 'FROM python:3.12-slim\nCOPY docker-entrypoint.sh /\nENTRYPOINT ["/docker-entrypoint.sh"]\n'


@pytest.mark.parametrize(("files", "expected"), [
    ({"Dockerfile": ENTRY + 'CMD ["gunicorn", "app:app"]\n',
      "docker-entrypoint.sh": '#!/bin/sh\nset -e\npython manage.py migrate\n"$@"\n'},
     [("docker-entrypoint.sh", 4)]),
    ({"Dockerfile": ENTRY + 'CMD ["gunicorn", "app:app"]\n',
      "docker-entrypoint.sh": '#!/bin/sh\nset -e\nexec "$@"\n'}, []),
    ({"Dockerfile": ENTRY,
      "docker-entrypoint.sh": "#!/bin/sh\ngunicorn \\\n  --bind 0.0.0.0:8000 \\\n  app:app\n"},
     [("docker-entrypoint.sh", 2)]),
    ({"Dockerfile": ENTRY,
      "docker-entrypoint.sh": "#!/bin/sh\nexec gunicorn \\\n  app:app\n"}, []),
    # exec inside branches of an if or a case
    ({"Dockerfile": ENTRY,
      "docker-entrypoint.sh": '#!/bin/sh\nif [ "$1" = worker ]; then\n  exec celery -A p worker\n'
                              "else\n  exec gunicorn app:app\nfi\n"}, []),
    ({"Dockerfile": ENTRY,
      "docker-entrypoint.sh": '#!/bin/sh\ncase "$1" in\n  web) exec gunicorn app:app ;;\n'
                              '  *) exec "$@" ;;\nesac\n'}, []),
    ({"Dockerfile": ENTRY,
      "docker-entrypoint.sh": '#!/bin/sh\ncase "$1" in\n  *) gunicorn app:app ;;\nesac\n'},
     [("docker-entrypoint.sh", 3)]),
    # a script that traps TERM forwards signals itself
    ({"Dockerfile": ENTRY,
      "docker-entrypoint.sh": "#!/bin/sh\ntrap 'kill -TERM $pid' TERM\ngunicorn app:app &\n"
                              "pid=$!\nwait $pid\n"}, []),
    # the last command does not start a server: nothing to say
    ({"Dockerfile": ENTRY, "docker-entrypoint.sh": "#!/bin/sh\necho ready\n"}, []),
    # named by CMD (shell or exec form, through sh), or by a container's command
    ({"Dockerfile": "FROM python:3.12-slim\nCMD ./start.sh\n",
      "start.sh": "#!/bin/bash\nuvicorn app:app\n"}, [("start.sh", 2)]),
    ({"Dockerfile": 'FROM python:3.12-slim\nCMD ["bash", "/app/start.sh"]\n',
      "start.sh": "#!/bin/bash\nuvicorn app:app\n"}, [("start.sh", 2)]),
    ({K8S: deploy(cmd("/app/run-web.sh")),
      "run-web.sh": "#!/bin/sh\npython -m gunicorn app:app\n"}, [("run-web.sh", 2)]),
    ({K8S: deploy(cmd("tini", "--", "/app/run-web.sh")),
      "run-web.sh": "#!/bin/sh\npython -m gunicorn app:app\n"}, [("run-web.sh", 2)]),
    ({K8S: deploy(cmd("/app/run-web.sh")).replace("kind: Deployment", "kind: Job"),
      "run-web.sh": "#!/bin/sh\npython migrate.py\n"}, []),
    # an ENTRYPOINT replaced by a later one is not the entrypoint
    ({"Dockerfile": 'FROM python:3.12-slim\nENTRYPOINT ["/old.sh"]\n'
                    'ENTRYPOINT ["gunicorn", "app:app"]\n',
      "old.sh": "#!/bin/sh\ngunicorn app:app\n"}, []),
    # a script nobody runs as the entrypoint is not judged
    ({"Dockerfile": 'FROM python:3.12-slim\nCMD ["gunicorn", "app:app"]\n',
      "scripts/dev.sh": "#!/bin/sh\ngunicorn --reload app:app\n"}, []),
])
def test_pf541_entrypoint_script_without_exec(tmp_path: Path, files: dict[str, str],
                                              expected: list[tuple[str, int]]) -> None:
    assert hits(tmp_path, files, "PF541") == expected


def test_pf541_fix_prefixes_exec(tmp_path: Path) -> None:
    script = '#!/bin/sh\nset -e\n  "$@"\n'
    files = {"Dockerfile": ENTRY, "docker-entrypoint.sh": script}
    [finding] = check_files(tmp_path, files, ("PF541",)).findings
    assert finding.fix is not None
    assert str(finding.fix.safety) == "safe"
    assert apply_text_edits(script, finding.fix.text_edits) == '#!/bin/sh\nset -e\n  exec "$@"\n'
    compound = "#!/bin/sh\nmigrate && gunicorn app:app\n"
    files = {"Dockerfile": ENTRY, "docker-entrypoint.sh": compound}
    [finding] = check_files(tmp_path / "b", files, ("PF541",)).findings
    assert finding.fix is None


# -- PF542 shell-wrapper-without-exec --------------------------------------------------------
@pytest.mark.parametrize(("files", "expected"), [
    ({K8S: deploy(cmd("sh", "-c", "python manage.py migrate && gunicorn app.wsgi"))},
     [(K8S, 12)]),
    ({K8S: deploy(cmd("/bin/sh", "-c", "gunicorn app.wsgi"))}, [(K8S, 12)]),
    ({K8S: deploy(cmd("/bin/sh", "-ec", "gunicorn app.wsgi"))}, [(K8S, 12)]),
    ({K8S: deploy(cmd("/bin/bash", "-lc", "cd /app && gunicorn app.wsgi"))}, [(K8S, 12)]),
    ({K8S: deploy(cmd("/bin/bash", "-lc", "cd /app && exec gunicorn app.wsgi"))}, []),
    ({K8S: deploy(cmd("sh", "-c", "python manage.py migrate && exec gunicorn app.wsgi"))}, []),
    ({K8S: deploy(cmd("sh", "-c"), "          args: ['uvicorn app:app --port 8000']")},
     [(K8S, 12)]),
    ({K8S: deploy(cmd("/bin/bash", "-c"), "          args:", "            - |",
                  "              alembic upgrade head", "              uvicorn app:app")},
     [(K8S, 12)]),
    # bash replaces itself with a lone simple command
    ({K8S: deploy(cmd("bash", "-c", "gunicorn app.wsgi"))}, []),
    ({K8S: deploy(cmd("bash", "-c", "cd /app; gunicorn app.wsgi"))}, [(K8S, 12)]),
    # exec-form Dockerfile; shell form is PF540's
    ({"Dockerfile": 'FROM python:3.12-slim\nCMD ["sh", "-c", "celery -A p worker -c 2"]\n'},
     [("Dockerfile", 2)]),
    ({"Dockerfile": 'FROM python:3.12-slim\nCMD sh -c "celery -A p worker -c 2"\n'}, []),
    # the container inherits the image's command: reported once, in the Dockerfile
    ({K8S: deploy(),
      "Dockerfile": 'FROM python:3.12-slim\nCMD ["sh", "-c", "gunicorn app:app"]\n'},
     [("Dockerfile", 2)]),
    # not a Python server; a Job's one-off script (a Celery worker in a Job still counts)
    ({K8S: deploy(cmd("sh", "-c", "sleep 5 && nginx -g 'daemon off;'"))}, []),
    ({K8S: deploy(cmd("sh", "-c", "python manage.py migrate")).replace(
        "kind: Deployment", "kind: Job")}, []),
    ({K8S: deploy(cmd("sh", "-c", "python worker.py"))}, [(K8S, 12)]),
    ({K8S: deploy(cmd("sh", "-c", "celery -A p worker -c 2")).replace(
        "kind: Deployment", "kind: Job")}, [(K8S, 12)]),
])
def test_pf542_shell_wrapper_without_exec(tmp_path: Path, files: dict[str, str],
                                          expected: list[tuple[str, int]]) -> None:
    assert hits(tmp_path, files, "PF542") == expected


# -- PF543 dev-server ------------------------------------------------------------------------
@pytest.mark.parametrize(("files", "expected"), [
    ({"Dockerfile": 'FROM python:3.12-slim\nCMD ["flask", "run", "--host=0.0.0.0"]\n'},
     [("Dockerfile", 2)]),
    ({"Dockerfile": 'FROM python:3.12-slim\nCMD ["python", "manage.py", "runserver"]\n'},
     [("Dockerfile", 2)]),
    ({"Dockerfile": 'FROM python:3.12-slim\nCMD ["fastapi", "dev", "main.py"]\n'},
     [("Dockerfile", 2)]),
    ({"Dockerfile": 'FROM python:3.12-slim\nCMD ["fastapi", "run", "main.py"]\n'}, []),
    ({K8S: deploy(cmd("uvicorn", "app:app", "--reload"))}, [(K8S, 12)]),
    ({K8S: deploy(cmd("gunicorn", "--reload", "app:app"))}, [(K8S, 12)]),
    ({K8S: deploy(cmd("sh", "-c", "exec python -m flask run"))}, [(K8S, 12)]),
    ({K8S: deploy(cmd("django-admin", "runserver", "0.0.0.0:8000"))}, [(K8S, 12)]),
    ({K8S: deploy(cmd("gunicorn", "app:app"))}, []),
    # a development Dockerfile is meant for it — unless a workload runs its image
    ({"Dockerfile.dev": 'FROM python:3.12-slim\nCMD ["flask", "run"]\n'}, []),
    ({"docker/dev.Dockerfile": 'FROM python:3.12-slim\nCMD ["flask", "run"]\n'}, []),
    ({K8S: deploy(), "Dockerfile.dev": 'FROM python:3.12-slim\nCMD ["flask", "run"]\n'},
     [("Dockerfile.dev", 2)]),
    # earlier stages do not count
    ({"Dockerfile": 'FROM python:3.12-slim AS dev\nCMD ["flask", "run"]\n'
                    'FROM python:3.12-slim\nCMD ["gunicorn", "app:app"]\n'}, []),
    # Procfile only without Kubernetes objects
    ({"Procfile": "web: flask run\n"}, [("Procfile", 1)]),
    ({"Procfile": "web: flask run\n", K8S: deploy(cmd("gunicorn", "app:app"))}, []),
])
def test_pf543_dev_server(tmp_path: Path, files: dict[str, str],
                          expected: list[tuple[str, int]]) -> None:
    assert hits(tmp_path, files, "PF543") == expected


# -- PF544 grace-period-too-short ------------------------------------------------------------
GUNICORN = cmd("gunicorn", "app:app")


@pytest.mark.parametrize(("files", "expected"), [
    # gunicorn's defaults: 0 + 30 + 3 (core.shutdown.MARGIN) > 30
    ({K8S: deploy(GUNICORN)}, [(K8S, 12)]),
    ({K8S: deploy(GUNICORN, grace(35))}, []),
    ({K8S: deploy(cmd("gunicorn", "--graceful-timeout", "20", "app:app"), sleep(5))}, []),
    ({K8S: deploy(cmd("gunicorn", "--graceful-timeout", "20", "app:app"), sleep(10))},
     [(K8S, 13)]),
    ({K8S: deploy(cmd("gunicorn", "--graceful-timeout", "20", "app:app"), sleep(10),
                  grace(30))}, [(K8S, 14)]),
    ({K8S: deploy(cmd("gunicorn", "--graceful-timeout", "20", "app:app"), sleep(10),
                  grace(35))}, []),
    # exec preStop sleeps, in both spellings
    ({K8S: deploy(cmd("gunicorn", "--graceful-timeout", "20", "app:app"),
                  "          lifecycle: {preStop: {exec: {command: [sleep, '15']}}}")},
     [(K8S, 13)]),
    ({K8S: deploy(cmd("gunicorn", "--graceful-timeout", "20", "app:app"),
                  "          lifecycle: {preStop: {exec: {command: [/bin/sh, -c, sleep 15]}}}")},
     [(K8S, 13)]),
    # graceful timeout from the config file and GUNICORN_CMD_ARGS
    ({K8S: deploy(GUNICORN, grace(60)), "gunicorn.conf.py": "graceful_timeout = 90\n"},
     [(K8S, 13)]),
    ({K8S: deploy(GUNICORN, env("GUNICORN_CMD_ARGS", "--graceful-timeout 20"))}, []),
    # uvicorn: unbounded (PF546's) or bounded; hypercorn's default is 3 s
    ({K8S: deploy(cmd("uvicorn", "app:app"))}, []),
    ({K8S: deploy(cmd("uvicorn", "app:app", "--timeout-graceful-shutdown", "30"))},
     [(K8S, 12)]),
    ({K8S: deploy(cmd("uvicorn", "app:app"), env("UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN", "28"))},
     [(K8S, 12)]),
    ({K8S: deploy(cmd("hypercorn", "app:app"), sleep(20))}, []),
    ({K8S: deploy(cmd("hypercorn", "app:app"), sleep(25))}, [(K8S, 13)]),
    # podfit.runtime sizes its own timeout; its drain counts when a timeout is written
    ({K8S: deploy(cmd("gunicorn", "-c", "python:podfit.runtime.gunicorn_conf", "app:app"))},
     []),
    ({K8S: deploy(cmd("gunicorn", "-c", "gunicorn.conf.py", "app:app"), grace(35)),
      "gunicorn.conf.py": "from podfit.runtime.gunicorn_conf import *\ngraceful_timeout = 25\n"},
     []),
    ({K8S: deploy(cmd("gunicorn", "-c", "gunicorn.conf.py", "app:app"), grace(32)),
      "gunicorn.conf.py": "from podfit.runtime.gunicorn_conf import *\ngraceful_timeout = 25\n"},
     [(K8S, 13)]),
    # Celery and Jobs are not judged
    ({K8S: deploy(cmd("celery", "-A", "p", "worker", "-c", "2"))}, []),
    ({K8S: deploy(GUNICORN).replace("kind: Deployment", "kind: Job")}, []),
])
def test_pf544_grace_period_too_short(tmp_path: Path, files: dict[str, str],
                                      expected: list[tuple[str, int]]) -> None:
    assert hits(tmp_path, files, "PF544") == expected


def test_pf544_message_and_fix(tmp_path: Path) -> None:
    files = {K8S: deploy(cmd("gunicorn", "app:app"), sleep(10))}
    [finding] = check_files(tmp_path, files, ("PF544",)).findings
    assert ("terminationGracePeriodSeconds 30 (the default) is less than preStop sleep 10 s + "
            "gunicorn graceful timeout 30 s (from gunicorn's default) + 3 s margin = 43 s"
            ) in finding.message
    assert finding.fix is not None
    assert str(finding.fix.safety) == "unsafe"
    [edit] = finding.fix.yaml_edits
    assert (edit.path, edit.key, edit.value) == (("spec", "template", "spec"),
                                                 "terminationGracePeriodSeconds", 43)


# -- PF545 missing-prestop-delay -------------------------------------------------------------
@pytest.mark.parametrize(("files", "expected"), [
    ({K8S: deploy(GUNICORN) + SERVICE}, [(K8S, 12)]),
    ({K8S: deploy(GUNICORN, sleep(5)) + SERVICE}, []),
    ({K8S: deploy(GUNICORN, "          lifecycle: {postStart: {exec: {command: [true]}}}")
      + SERVICE}, [(K8S, 13)]),
    ({K8S: deploy(cmd("uvicorn", "app:app")) + SERVICE}, [(K8S, 12)]),
    # no Service, another app's Service, another namespace
    ({K8S: deploy(GUNICORN)}, []),
    ({K8S: deploy(GUNICORN) + SERVICE.replace("{app: web}", "{app: api}")}, []),
    ({K8S: deploy(GUNICORN) + SERVICE.replace("metadata: {name: web}",
                                              "metadata: {name: web, namespace: other}")
      .replace("kind: Service", "kind: Service", 1)
      .replace("apiVersion: v1", "apiVersion: v1", 1)}, [(K8S, 12)]),
    # podfit.runtime's drain instead of a preStop
    ({K8S: deploy(GUNICORN, env("PODFIT_DRAIN_SECONDS", "5")) + SERVICE}, []),
    ({K8S: deploy(cmd("gunicorn", "-c", "python:podfit.runtime.gunicorn_conf", "app:app"))
      + SERVICE}, []),
    # only the server container of a multi-container pod
    ({K8S: deploy(GUNICORN, sleep(5), "        - name: proxy",
                  "          image: envoyproxy/envoy:v1.31") + SERVICE}, []),
    ({K8S: deploy(cmd("celery", "-A", "p", "worker", "-c", "2")) + SERVICE}, []),
])
def test_pf545_missing_prestop_delay(tmp_path: Path, files: dict[str, str],
                                     expected: list[tuple[str, int]]) -> None:
    assert hits(tmp_path, files, "PF545") == expected


def test_pf545_fix_uses_native_sleep_on_new_clusters(tmp_path: Path) -> None:
    files = {K8S: deploy(GUNICORN) + SERVICE}
    [finding] = check_files(tmp_path, files, ("PF545",)).findings
    assert finding.fix is not None
    [edit] = finding.fix.yaml_edits
    assert edit.key == "lifecycle"
    assert edit.value == {"preStop": {"sleep": {"seconds": 5}}}
    [old] = check_files(tmp_path / "old", files, ("PF545",), kube_version="1.28").findings
    assert old.fix is not None
    assert old.fix.yaml_edits[0].value == {"preStop": {"exec": {"command": ["sleep", "5"]}}}


# -- PF546 unbounded-graceful-shutdown -------------------------------------------------------
@pytest.mark.parametrize(("files", "expected"), [
    ({K8S: deploy(cmd("uvicorn", "app:app"))}, [(K8S, 12)]),
    ({K8S: deploy(cmd("uvicorn", "app:app", "--timeout-graceful-shutdown", "20"))}, []),
    ({K8S: deploy(cmd("uvicorn", "app:app", "--timeout-graceful-shutdown=20"))}, []),
    ({K8S: deploy(cmd("uvicorn", "app:app"), env("UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN", "20"))},
     []),
    ({K8S: deploy(cmd("fastapi", "run", "main.py"))}, [(K8S, 12)]),
    ({K8S: deploy(cmd("python", "-m", "uvicorn", "app:app"))}, [(K8S, 12)]),
    ({"Dockerfile": 'FROM python:3.12-slim\nCMD ["uvicorn", "app:app"]\n'},
     [("Dockerfile", 2)]),
    # gunicorn's own graceful_timeout bounds its uvicorn workers
    ({K8S: deploy(cmd("gunicorn", "-k", "uvicorn.workers.UvicornWorker", "app:app"))}, []),
    ({"Procfile": "web: uvicorn app:app --port $PORT\n"}, [("Procfile", 1)]),
])
def test_pf546_unbounded_graceful_shutdown(tmp_path: Path, files: dict[str, str],
                                           expected: list[tuple[str, int]]) -> None:
    assert hits(tmp_path, files, "PF546") == expected


# -- PF547 keepalive-below-proxy-timeout -----------------------------------------------------
INGRESS = """\
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  defaultBackend: {service: {name: web, port: {number: 80}}}
"""
LB_SERVICE = SERVICE.replace("spec:\n", "spec:\n  type: LoadBalancer\n")
GTHREAD = cmd("gunicorn", "-k", "gthread", "--threads", "4", "app:app")


@pytest.mark.parametrize(("files", "expected", "settings"), [
    ({K8S: deploy(cmd("uvicorn", "app:app")) + SERVICE + INGRESS}, [(K8S, 12)], {}),
    ({K8S: deploy(cmd("uvicorn", "app:app", "--timeout-keep-alive", "75")) + SERVICE + INGRESS},
     [], {}),
    ({K8S: deploy(cmd("uvicorn", "app:app"), env("UVICORN_TIMEOUT_KEEP_ALIVE", "90"))
      + SERVICE + INGRESS}, [], {}),
    ({K8S: deploy(GTHREAD) + LB_SERVICE}, [(K8S, 12)], {}),
    ({K8S: deploy(cmd("gunicorn", "--threads", "4", "--keep-alive", "65", "app:app"))
      + LB_SERVICE}, [], {}),
    ({K8S: deploy(GTHREAD) + LB_SERVICE, "gunicorn.conf.py": "keepalive = 75\n"}, [], {}),
    # equal is not enough: the server must outlast the proxy
    ({K8S: deploy(cmd("uvicorn", "app:app", "--timeout-keep-alive", "60")) + LB_SERVICE},
     [(K8S, 12)], {}),
    ({K8S: deploy(cmd("uvicorn", "app:app", "--timeout-keep-alive", "60")) + LB_SERVICE},
     [], {"proxy_idle_timeout": 30}),
    ({K8S: deploy(cmd("fastapi", "run", "main.py")) + LB_SERVICE}, [(K8S, 12)], {}),
    ({K8S: deploy(cmd("hypercorn", "app:app", "--keep-alive", "75")) + LB_SERVICE}, [], {}),
    # sync workers close every connection; a ClusterIP Service without an Ingress has no proxy
    ({K8S: deploy(GUNICORN) + LB_SERVICE}, [], {}),
    ({K8S: deploy(cmd("uvicorn", "app:app")) + SERVICE}, [], {}),
    # an Ingress to another Service; a Gateway API route
    ({K8S: deploy(cmd("uvicorn", "app:app")) + SERVICE + INGRESS.replace("name: web, port",
                                                                         "name: api, port")},
     [], {}),
    ({K8S: deploy(cmd("uvicorn", "app:app")) + SERVICE +
      "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\n"
      "spec:\n  rules:\n    - backendRefs: [{name: web, port: 80}]\n"}, [(K8S, 12)], {}),
    # podfit.runtime's gunicorn config keeps connections 75 s
    ({K8S: deploy(cmd("gunicorn", "-k", "gthread", "--threads", "4", "-c",
                      "python:podfit.runtime.gunicorn_conf", "app:app")) + LB_SERVICE}, [], {}),
])
def test_pf547_keepalive_below_proxy_timeout(tmp_path: Path, files: dict[str, str],
                                             expected: list[tuple[str, int]],
                                             settings: dict[str, int]) -> None:
    assert hits(tmp_path, files, "PF547", **settings) == expected


def test_pf547_legacy_ingress_backend(tmp_path: Path) -> None:
    legacy = ("---\napiVersion: networking.k8s.io/v1beta1\nkind: Ingress\nmetadata: {name: w}\n"
              "spec:\n  rules:\n    - http:\n        paths:\n"
              "          - backend: {serviceName: web, servicePort: 80}\n")
    files = {K8S: deploy(cmd("uvicorn", "app:app")) + SERVICE + legacy}
    assert hits(tmp_path, files, "PF547") == [(K8S, 12)]


def test_service_lookups_stay_linear(tmp_path: Path) -> None:
    """1,200 Deployments, Services and Ingresses: every rule that asks which Service fronts a
    workload indexes them once (quadratic matching took minutes here)."""
    import time

    from podfit.check.engine import run_check
    from podfit.check.settings import CheckSettings

    docs = []
    for i in range(400):
        docs.append(deploy(cmd("uvicorn", "app:app", "--workers", "2")).replace(
            "web", f"web{i}") + SERVICE.replace("web", f"web{i}") + INGRESS.replace(
            "web", f"web{i}"))
    (tmp_path / K8S).write_text("---\n".join(docs))
    start = time.perf_counter()
    result = run_check([str(tmp_path)], CheckSettings(), select=("PF545", "PF547", "PF702"))
    elapsed = time.perf_counter() - start
    assert len([f for f in result.findings if f.code == "PF547"]) == 400
    assert elapsed < 20, f"{elapsed:.1f} s"


_ODD = [None, 0, -1, 1.5, True, "", "x", "$(nproc)", [], {}, [1], {"a": 1}, "500m", "1Gi"]
_COMMANDS = [["gunicorn", "-w", "9", "app:app"], ["uvicorn", "app:app", "--workers", "x"],
             ["sh", "-c"], ["sh", "-c", "cd / && gunicorn --keep-alive 1 a:b"],
             ["celery", "-A", "p", "worker", "--autoscale", ","], ["fastapi", "run"],
             ["/start.sh"], ["hypercorn", "-w"], ["python", "-u"], "gunicorn app"]


def _container() -> SearchStrategy[dict[str, object]]:
    odd = st.sampled_from(_ODD)
    return st.fixed_dictionaries({"name": st.sampled_from(["web", 3, None]),
                                  "image": st.sampled_from(["registry/web:1", 5, ""])}, optional={
        "command": st.one_of(st.sampled_from(_COMMANDS), odd),
        "args": st.one_of(st.lists(st.sampled_from(["-w", "4", "$(W)", 1, None]), max_size=4),
                          odd),
        "env": st.one_of(st.lists(st.one_of(st.fixed_dictionaries({
            "name": st.sampled_from(["WEB_CONCURRENCY", "PROMETHEUS_MULTIPROC_DIR", "W",
                                     "GUNICORN_CMD_ARGS", "OMP_NUM_THREADS", 1]),
            "value": odd}), odd), max_size=3), odd),
        "resources": st.one_of(st.fixed_dictionaries({"limits": st.one_of(
            st.fixed_dictionaries({"cpu": odd, "memory": odd}), odd)}), odd),
        "lifecycle": st.one_of(st.fixed_dictionaries({"preStop": st.one_of(
            st.fixed_dictionaries({"sleep": st.one_of(st.fixed_dictionaries(
                {"seconds": odd}), odd)}),
            st.fixed_dictionaries({"exec": st.fixed_dictionaries({"command": odd})}), odd)}),
            odd),
        "volumeMounts": st.one_of(st.lists(st.fixed_dictionaries(
            {"name": odd, "mountPath": odd, "readOnly": odd}), max_size=2), odd),
    })


def test_rules_survive_odd_manifests(tmp_path_factory: pytest.TempPathFactory) -> None:
    import yaml
    from hypothesis import HealthCheck, given, settings

    from podfit.check.engine import run_check
    from podfit.check.settings import CheckSettings

    pod = st.fixed_dictionaries({
        "containers": st.lists(_container(), max_size=2),
        "terminationGracePeriodSeconds": st.sampled_from(_ODD),
        "volumes": st.sampled_from([[{"name": "m", "emptyDir": {}}], [1], None, {}])})

    @settings(max_examples=int(os.environ.get("PODFIT_FUZZ_EXAMPLES", "60")), deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(pod, st.booleans())
    def run(spec: dict[str, object], routed: bool) -> None:
        root = tmp_path_factory.mktemp("odd")
        deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {
            "name": "web"}, "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": {
                "metadata": {"labels": {"app": "web"},
                             "annotations": {"prometheus.io/scrape": "true"}},
                "spec": spec}}}
        docs = [deployment, {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                             "spec": {"type": "LoadBalancer" if routed else "ClusterIP",
                                      "selector": {"app": "web"}}}]
        (root / K8S).write_text(yaml.safe_dump_all(docs))
        (root / "start.sh").write_text("#!/bin/sh\nexport W=${W:-4}\ngunicorn -w $W app:app\n")
        result = run_check([str(root)], CheckSettings(), select=("PF3", "PF54", "PF7"))
        assert not [e for e in result.errors if e.path == "<podfit>"], result.errors

    run()


@pytest.mark.parametrize(("files", "path", "fixed"), [
    # a container's own command, the grace period and preStop read from the pod
    ({K8S: deploy(cmd("uvicorn", "app:app"), sleep(10), grace(45))}, K8S,
     '"app:app", "--timeout-graceful-shutdown=30"'),
    ({K8S: deploy(cmd("uvicorn"), "          args: [app:app]")}, K8S,
     "args: [app:app, --timeout-graceful-shutdown=25]"),
    ({"Dockerfile": 'FROM python:3.12-slim\nCMD ["uvicorn", "app:app"]\n'}, "Dockerfile",
     'CMD ["uvicorn", "app:app", "--timeout-graceful-shutdown=25"]'),
])
def test_pf546_fix_appends_the_timeout(tmp_path: Path, files: dict[str, str], path: str,
                                       fixed: str) -> None:
    from podfit.check.fixer import apply_yaml_edits

    [finding] = check_files(tmp_path, files, ("PF546",)).findings
    assert finding.fix is not None
    assert str(finding.fix.safety) == "unsafe"
    text = (tmp_path / path).read_text()
    after = apply_text_edits(text, finding.fix.text_edits)
    if finding.fix.yaml_edits:
        after = apply_yaml_edits(after, finding.fix.yaml_edits)
    def squash(text: str) -> str:
        return "".join(c for c in text if c not in " \n'\"")

    assert squash(fixed) in squash(after)
    (tmp_path / path).write_text(after)
    assert hits(tmp_path, {}, "PF546") == []


@pytest.mark.parametrize("files", [
    {K8S: deploy(cmd("sh", "-c", "exec uvicorn app:app"))},
    {K8S: deploy(cmd("fastapi", "run"))},
    {"Dockerfile": "FROM python:3.12-slim\nCMD uvicorn app:app\n"},
    {"Dockerfile": 'FROM python:3.12-slim\nCMD ["uvicorn", \\\n     "app:app"]\n'},
])
def test_pf546_no_fix_outside_plain_lists(tmp_path: Path, files: dict[str, str]) -> None:
    [finding] = check_files(tmp_path, files, ("PF546",)).findings
    assert finding.fix is None
