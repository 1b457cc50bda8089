"""Fixtures for concurrency rules (PF3xx): exact (path, line) expectations.

``deploy(*lines)`` builds a Deployment whose first container is ``web`` with its ``image`` on
line 11; the given lines follow from line 12 (10-space indent for container keys).
"""

from __future__ import annotations

from pathlib import Path

import pytest

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


def deploy(*lines: str) -> str:
    return HEADER + "".join(f"{line}\n" for line in lines)


LIMIT_1CPU = "          resources: {limits: {cpu: '1', memory: 4Gi}}"
K8S = "k8s.yaml"


def cmd(*argv: str) -> str:
    return "          command: [" + ", ".join(f'"{a}"' for a in argv) + "]"


def env(name: str, value: str) -> str:
    return f"          env: [{{name: {name}, value: '{value}'}}]"


# -- PF301 workers-exceed-cpu ----------------------------------------------------------------
@pytest.mark.parametrize(("files", "expected"), [
    # every source of a worker count
    ({K8S: deploy(cmd("gunicorn", "--workers", "4", "app:app"), LIMIT_1CPU)}, [(K8S, 13)]),
    ({K8S: deploy(cmd("gunicorn", "-w4", "app:app"), LIMIT_1CPU)}, [(K8S, 13)]),
    ({K8S: deploy(cmd("gunicorn", "-w", "4", "app:app"), LIMIT_1CPU)}, [(K8S, 13)]),
    ({K8S: deploy(cmd("gunicorn", "--workers=4", "app:app"), LIMIT_1CPU)}, [(K8S, 13)]),
    ({K8S: deploy(cmd("gunicorn", "app:app"), env("WEB_CONCURRENCY", "5"), LIMIT_1CPU)},
     [(K8S, 14)]),
    ({K8S: deploy(cmd("gunicorn", "app:app"), env("GUNICORN_CMD_ARGS", "--workers=8"),
                  LIMIT_1CPU)}, [(K8S, 14)]),
    ({K8S: deploy(cmd("gunicorn", "app:app"), LIMIT_1CPU),
      "gunicorn.conf.py": "workers = 6\n"}, [(K8S, 13)]),
    ({K8S: deploy(cmd("gunicorn", "-c", "conf/gunicorn_prod.py", "app:app"), LIMIT_1CPU),
      "conf/gunicorn_prod.py": "bind = ':8000'\nworkers = 6\n"}, [(K8S, 13)]),
    # the image's CMD when the container has no command
    ({K8S: deploy(LIMIT_1CPU),
      "Dockerfile": 'FROM python:3.12-slim\nCMD ["gunicorn", "-w", "9", "app:app"]\n'},
     [(K8S, 12)]),
    ({K8S: deploy("          args: ['-w', '9', 'app:app']", LIMIT_1CPU),
      "Dockerfile": 'FROM python:3.12-slim\nENTRYPOINT ["gunicorn"]\n'}, [(K8S, 13)]),
    # sh -c, uv run, python -m
    ({K8S: deploy(cmd("sh", "-c", "exec gunicorn -w 8 app:app"), LIMIT_1CPU)}, [(K8S, 13)]),
    ({K8S: deploy(cmd("uv", "run", "gunicorn", "-w", "8", "app:app"), LIMIT_1CPU)},
     [(K8S, 13)]),
    ({K8S: deploy(cmd("python", "-m", "uvicorn", "app:app", "--workers", "8"), LIMIT_1CPU)},
     [(K8S, 13)]),
    ({K8S: deploy(cmd("hypercorn", "-w", "8", "app:app"), LIMIT_1CPU)}, [(K8S, 13)]),
    ({K8S: deploy(cmd("uvicorn", "app:app"), env("WEB_CONCURRENCY", "8"), LIMIT_1CPU)},
     [(K8S, 14)]),
    # precedence: the command line beats GUNICORN_CMD_ARGS, the config and WEB_CONCURRENCY
    ({K8S: deploy(cmd("gunicorn", "-w", "2", "app:app"), env("WEB_CONCURRENCY", "12"),
                  LIMIT_1CPU), "gunicorn.conf.py": "workers = 12\n"}, []),
    ({K8S: deploy(cmd("gunicorn", "app:app"), env("WEB_CONCURRENCY", "12"), LIMIT_1CPU),
      "gunicorn.conf.py": "workers = 3\n"}, []),
    # at the ceiling: 2 x ceil(cpu) + 1
    ({K8S: deploy(cmd("gunicorn", "-w", "3", "app:app"), LIMIT_1CPU)}, []),
    ({K8S: deploy(cmd("gunicorn", "-w", "5", "app:app"),
                  "          resources: {limits: {cpu: 1500m}}")}, []),
    ({K8S: deploy(cmd("gunicorn", "-w", "4", "app:app"),
                  "          resources: {limits: {cpu: 500m}}")}, [(K8S, 13)]),
    # the request counts when there is no limit; the limit wins over the request
    ({K8S: deploy(cmd("gunicorn", "-w", "4", "app:app"),
                  "          resources: {requests: {cpu: 250m}}")}, [(K8S, 13)]),
    ({K8S: deploy(cmd("gunicorn", "-w", "4", "app:app"),
                  "          resources: {requests: {cpu: 250m}, limits: {cpu: '2'}}")}, []),
    # unknown: no CPU at all, a computed count (PF302's job), podfit.runtime's config
    ({K8S: deploy(cmd("gunicorn", "-w", "40", "app:app"))}, []),
    ({K8S: deploy(cmd("sh", "-c", "exec gunicorn -w $(nproc) app:app"), LIMIT_1CPU)}, []),
    ({K8S: deploy(cmd("gunicorn", "-c", "python:podfit.runtime.gunicorn_conf", "-w", "9",
                      "app:app"), LIMIT_1CPU)}, []),
    # celery and plain python are not web workers
    ({K8S: deploy(cmd("celery", "-A", "proj", "worker", "-c", "40"), LIMIT_1CPU)}, []),
])
def test_pf301_workers_exceed_cpu(tmp_path: Path, files: dict[str, str],
                                  expected: list[tuple[str, int]]) -> None:
    assert hits(tmp_path, files, "PF301") == expected


def test_pf301_multi_container_pod_and_list(tmp_path: Path) -> None:
    manifest = deploy(cmd("gunicorn", "-w", "2", "app:app"), LIMIT_1CPU,
                      "        - name: admin",
                      "          image: registry.example/admin:1.0",
                      cmd("gunicorn", "-w", "6", "admin:app"),
                      "          resources: {limits: {cpu: 500m}}")
    assert hits(tmp_path, {K8S: manifest}, "PF301") == [(K8S, 17)]
    listed = "apiVersion: v1\nkind: List\nitems:\n" + "".join(
        f"  {line}\n" if line else "\n" for line in deploy(
            cmd("gunicorn", "-w", "9", "app:app"), LIMIT_1CPU).splitlines()).replace(
        "  apiVersion", "- apiVersion", 1)
    assert hits(tmp_path / "list", {K8S: listed}, "PF301") == [(K8S, 16)]


def test_pf301_message_names_container_cpu_and_source(tmp_path: Path) -> None:
    files = {K8S: deploy(cmd("gunicorn", "app:app"), env("WEB_CONCURRENCY", "9"),
                         "          resources: {limits: {cpu: 500m}}")}
    [finding] = check_files(tmp_path, files, ("PF301",)).findings
    assert "container 'web' runs 9 gunicorn workers" in finding.message
    assert "env WEB_CONCURRENCY in k8s.yaml" in finding.message
    assert "CPU limit is 500m" in finding.message
    assert "more than 3 workers" in finding.message


# -- PF302 workers-from-node-cpus ------------------------------------------------------------
CPU_CONF = "import multiprocessing\n\nworkers = multiprocessing.cpu_count() * 2 + 1\n"


@pytest.mark.parametrize(("files", "expected"), [
    # a config file on its own (gunicorn reads ./gunicorn.conf.py)
    ({"gunicorn.conf.py": CPU_CONF}, [("gunicorn.conf.py", 3)]),
    ({"gunicorn.conf.py": "import os\nworkers = os.cpu_count() or 1\n"},
     [("gunicorn.conf.py", 2)]),
    ({"gunicorn.conf.py": "import os\nworkers = 2 * os.process_cpu_count() + 1\n"},
     [("gunicorn.conf.py", 2)]),
    # through a helper variable
    ({"gunicorn.conf.py": "from multiprocessing import cpu_count\n\ncores = cpu_count()\n"
                          "bind = ':8000'\nworkers = cores * 2 + 1\n"},
     [("gunicorn.conf.py", 5)]),
    ({"gunicorn.conf.py": "workers = 3\nthreads = 4\n"}, []),
    # linked through -c from a container or an image
    ({K8S: deploy(cmd("gunicorn", "-c", "gunicorn.conf.py", "app:app"), LIMIT_1CPU),
      "gunicorn.conf.py": CPU_CONF}, [("gunicorn.conf.py", 3)]),
    ({"Dockerfile": 'FROM python:3.12-slim\nCMD ["gunicorn", "-c", "gunicorn.conf.py", '
                    '"app:app"]\n', "gunicorn.conf.py": CPU_CONF}, [("gunicorn.conf.py", 3)]),
    # a command-line value wins over the config: the formula there is dead
    ({K8S: deploy(cmd("gunicorn", "-w", "3", "app:app"), LIMIT_1CPU),
      "gunicorn.conf.py": CPU_CONF}, []),
    # $(nproc) in commands, sh -c strings, WEB_CONCURRENCY and GUNICORN_CMD_ARGS
    ({K8S: deploy(cmd("sh", "-c", "exec gunicorn -w $((2 * $(nproc) + 1)) app:app"))},
     [(K8S, 12)]),
    ({K8S: deploy(cmd("gunicorn", "app:app"), env("WEB_CONCURRENCY", "$(nproc)"))},
     [(K8S, 13)]),
    ({K8S: deploy(cmd("gunicorn", "app:app"),
                  env("GUNICORN_CMD_ARGS", "--workers=$(nproc)"))}, [(K8S, 13)]),
    ({"Dockerfile": "FROM python:3.12-slim\nENV WEB_CONCURRENCY=4\n"
                    "CMD gunicorn --workers $(nproc) app:app\n"}, [("Dockerfile", 3)]),
    ({"Dockerfile": "FROM python:3.12-slim\nENV WEB_CONCURRENCY=4\n"
                    'CMD ["gunicorn", "app:app"]\n'}, []),
    ({K8S: deploy(cmd("sh", "-c", "exec uvicorn app:app --workers $(nproc)"))}, [(K8S, 12)]),
    ({K8S: deploy(cmd("sh", "-c", "exec celery -A proj worker -c $(getconf "
                      "_NPROCESSORS_ONLN)"))}, [(K8S, 12)]),
    # reported once where it is written, even when two containers share the image
    ({K8S: deploy(LIMIT_1CPU) + "        - name: web2\n"
                                "          image: registry.example/web:1.0\n",
      "Dockerfile": "FROM python:3.12-slim\nCMD gunicorn -w $(nproc) app:app\n"},
     [("Dockerfile", 2)]),
    # Procfile when no Kubernetes objects are given
    ({"Procfile": "web: gunicorn -w $(nproc) app:app\nworker: celery -A p worker\n"},
     [("Procfile", 1)]),
])
def test_pf302_workers_from_node_cpus(tmp_path: Path, files: dict[str, str],
                                      expected: list[tuple[str, int]]) -> None:
    assert hits(tmp_path, files, "PF302") == expected


def test_pf302_message_mentions_pod_cpu(tmp_path: Path) -> None:
    files = {K8S: deploy(cmd("gunicorn", "-c", "gunicorn.conf.py", "app:app"), LIMIT_1CPU),
             "gunicorn.conf.py": CPU_CONF}
    [finding] = check_files(tmp_path, files, ("PF302",)).findings
    assert "multiprocessing.cpu_count() * 2 + 1" in finding.message
    assert "this pod's CPU is 1: at most 3 workers" in finding.message


# -- PF303 celery-concurrency-unset ----------------------------------------------------------
@pytest.mark.parametrize(("files", "expected"), [
    ({K8S: deploy(cmd("celery", "-A", "proj", "worker", "-l", "INFO"))}, [(K8S, 12)]),
    ({K8S: deploy(cmd("celery", "--app=proj", "worker"), LIMIT_1CPU)}, [(K8S, 12)]),
    ({K8S: deploy(cmd("celery", "-A", "proj", "worker", "-c", "2"))}, []),
    ({K8S: deploy(cmd("celery", "-A", "proj", "worker", "--concurrency=2"))}, []),
    ({K8S: deploy(cmd("celery", "-A", "proj", "worker", "--autoscale=4,1"))}, []),
    ({K8S: deploy(cmd("celery", "-A", "proj", "worker", "-P", "gevent"))}, []),
    ({K8S: deploy(cmd("celery", "-A", "proj", "worker", "--pool=solo"))}, []),
    ({K8S: deploy(cmd("celery", "-A", "proj", "worker", "--pool=prefork"))}, [(K8S, 12)]),
    ({K8S: deploy(cmd("celery", "-A", "proj", "beat"))}, []),
    ({K8S: deploy(cmd("celery", "-A", "proj", "worker"),
                  env("CELERY_WORKER_CONCURRENCY", "2"))}, []),
    ({K8S: deploy(cmd("sh", "-c", "exec celery -A proj worker"))}, [(K8S, 12)]),
    ({"Dockerfile": 'FROM python:3.12-slim\nCMD ["celery", "-A", "proj", "worker"]\n'},
     [("Dockerfile", 2)]),
    ({"Procfile": "worker: celery -A proj worker\n"}, [("Procfile", 1)]),
])
def test_pf303_celery_concurrency_unset(tmp_path: Path, files: dict[str, str],
                                        expected: list[tuple[str, int]]) -> None:
    assert hits(tmp_path, files, "PF303") == expected


# -- PF304 celery-concurrency-exceeds-cpu ----------------------------------------------------
@pytest.mark.parametrize(("files", "expected"), [
    ({K8S: deploy(cmd("celery", "-A", "proj", "worker", "-c", "8"), LIMIT_1CPU)},
     [(K8S, 13)]),
    ({K8S: deploy(cmd("celery", "-A", "proj", "worker", "-c", "3"), LIMIT_1CPU)}, []),
    ({K8S: deploy(cmd("celery", "-A", "proj", "worker", "--autoscale=10,2"), LIMIT_1CPU)},
     [(K8S, 13)]),
    ({K8S: deploy(cmd("celery", "-A", "proj", "worker", "--autoscale=3,1"), LIMIT_1CPU)}, []),
    ({K8S: deploy(cmd("celery", "-A", "proj", "worker", "-c", "8"),
                  "          resources: {requests: {cpu: 500m}}")}, [(K8S, 13)]),
    ({K8S: deploy(cmd("celery", "-A", "proj", "worker", "-c", "100", "-P", "gevent"),
                  LIMIT_1CPU)}, []),
    ({K8S: deploy(cmd("celery", "-A", "proj", "worker", "-c", "100"))}, []),
])
def test_pf304_celery_concurrency_exceeds_cpu(tmp_path: Path, files: dict[str, str],
                                              expected: list[tuple[str, int]]) -> None:
    assert hits(tmp_path, files, "PF304") == expected


# -- PF305 sync-workers-fractional-cpu -------------------------------------------------------
HALF = "          resources: {limits: {cpu: 500m}}"


@pytest.mark.parametrize(("files", "expected"), [
    ({K8S: deploy(cmd("gunicorn", "app:app"), HALF)}, [(K8S, 13)]),
    ({K8S: deploy(cmd("gunicorn", "-k", "sync", "app:app"), HALF)}, [(K8S, 13)]),
    ({K8S: deploy(cmd("gunicorn", "--threads", "4", "app:app"), HALF)}, []),
    ({K8S: deploy(cmd("gunicorn", "--threads", "1", "app:app"), HALF)}, [(K8S, 13)]),
    ({K8S: deploy(cmd("gunicorn", "-k", "gthread", "app:app"), HALF)}, []),
    ({K8S: deploy(cmd("gunicorn", "-k", "uvicorn.workers.UvicornWorker", "app:app"), HALF)},
     []),
    ({K8S: deploy(cmd("gunicorn", "app:app"), HALF), "gunicorn.conf.py": "threads = 8\n"}, []),
    ({K8S: deploy(cmd("gunicorn", "app:app"), HALF),
      "gunicorn.conf.py": "worker_class = 'gevent'\n"}, []),
    ({K8S: deploy(cmd("gunicorn", "app:app"), env("GUNICORN_CMD_ARGS", "--threads 4"),
                  HALF)}, []),
    # a request alone does not throttle; a whole core is fine
    ({K8S: deploy(cmd("gunicorn", "app:app"), "          resources: {requests: {cpu: 100m}}")},
     []),
    ({K8S: deploy(cmd("gunicorn", "app:app"), LIMIT_1CPU)}, []),
    ({K8S: deploy(cmd("uvicorn", "app:app"), HALF)}, []),
])
def test_pf305_sync_workers_fractional_cpu(tmp_path: Path, files: dict[str, str],
                                           expected: list[tuple[str, int]]) -> None:
    assert hits(tmp_path, files, "PF305") == expected


# -- PF306 blas-threads-unset ----------------------------------------------------------------
NUMPY_IMAGE = "FROM python:3.12-slim\nRUN pip install --no-cache-dir gunicorn numpy==2.1.0\n"


@pytest.mark.parametrize(("files", "expected"), [
    ({K8S: deploy(cmd("gunicorn", "app:app"), LIMIT_1CPU), "Dockerfile": NUMPY_IMAGE},
     [(K8S, 11)]),
    ({K8S: deploy(cmd("gunicorn", "app:app"), LIMIT_1CPU),
      "Dockerfile": "FROM python:3.12-slim\nCOPY requirements.txt .\n"
                    "RUN pip install -r requirements.txt\n",
      "requirements.txt": "flask==3.0\nscikit-learn==1.5\n"}, [(K8S, 11)]),
    ({K8S: deploy(cmd("gunicorn", "app:app"), LIMIT_1CPU),
      "Dockerfile": "FROM python:3.12-slim\n",
      "pyproject.toml": "[project]\nname = 'x'\ndependencies = ['pandas>=2']\n"}, [(K8S, 11)]),
    # no Dockerfile at all: the requirements among the inputs count
    ({K8S: deploy(cmd("gunicorn", "app:app"), LIMIT_1CPU), "requirements.txt": "torch\n"},
     [(K8S, 11)]),
    # env in the container or in the image; any of the three variables
    ({K8S: deploy(cmd("gunicorn", "app:app"), env("OMP_NUM_THREADS", "1"), LIMIT_1CPU),
      "Dockerfile": NUMPY_IMAGE}, []),
    ({K8S: deploy(cmd("gunicorn", "app:app"), env("OPENBLAS_NUM_THREADS", "1"), LIMIT_1CPU),
      "Dockerfile": NUMPY_IMAGE}, []),
    ({K8S: deploy(cmd("gunicorn", "app:app"), LIMIT_1CPU),
      "Dockerfile": NUMPY_IMAGE + "ENV MKL_NUM_THREADS=1\n"}, []),
    # env from a ConfigMap cannot be seen: not reported
    ({K8S: deploy(cmd("gunicorn", "app:app"), "          envFrom: [{configMapRef: {name: c}}]",
                  LIMIT_1CPU), "Dockerfile": NUMPY_IMAGE}, []),
    # no limit, no numeric stack, numpy-lookalikes, a requirements file of another image
    ({K8S: deploy(cmd("gunicorn", "app:app")), "Dockerfile": NUMPY_IMAGE}, []),
    ({K8S: deploy(cmd("gunicorn", "app:app"), LIMIT_1CPU),
      "Dockerfile": "FROM python:3.12-slim\nRUN pip install flask numpy-financial\n"}, []),
    ({K8S: deploy(cmd("gunicorn", "app:app"), LIMIT_1CPU),
      "web/Dockerfile": "FROM python:3.12-slim\n", "ml/requirements.txt": "numpy\n"}, []),
    # a non-Python container
    ({K8S: deploy(cmd("nginx", "-g", "daemon off;"), LIMIT_1CPU), "Dockerfile": NUMPY_IMAGE},
     []),
])
def test_pf306_blas_threads_unset(tmp_path: Path, files: dict[str, str],
                                  expected: list[tuple[str, int]]) -> None:
    assert hits(tmp_path, files, "PF306") == expected


def test_pf306_fix_sizes_threads_per_worker(tmp_path: Path) -> None:
    files = {K8S: deploy(cmd("gunicorn", "-w", "2", "app:app"),
                         "          resources: {limits: {cpu: '4'}}"),
             "Dockerfile": NUMPY_IMAGE}
    [finding] = check_files(tmp_path, files, ("PF306",)).findings
    assert finding.fix is not None
    [edit] = finding.fix.yaml_edits
    assert edit.value == {"name": "OMP_NUM_THREADS", "value": "2"}
    assert "each of its 2 worker processes" in finding.message


# -- PF307 workers-exceed-memory -------------------------------------------------------------
@pytest.mark.parametrize(("files", "expected", "settings"), [
    # 8 workers + master = 9 x 60Mi = 540Mi > 512Mi
    ({K8S: deploy(cmd("gunicorn", "-w", "8", "app:app"),
                  "          resources: {limits: {memory: 512Mi}}")}, [(K8S, 13)], {}),
    # 7 + 1 = 480Mi fits
    ({K8S: deploy(cmd("gunicorn", "-w", "7", "app:app"),
                  "          resources: {limits: {memory: 512Mi}}")}, [], {}),
    # uvicorn: a single worker has no supervisor; several have one
    ({K8S: deploy(cmd("uvicorn", "app:app", "--workers", "8"),
                  "          resources: {limits: {memory: 512Mi}}")}, [(K8S, 13)], {}),
    ({K8S: deploy(cmd("uvicorn", "app:app"),
                  "          resources: {limits: {memory: 60Mi}}")}, [], {}),
    ({K8S: deploy(cmd("celery", "-A", "p", "worker", "-c", "8"),
                  "          resources: {limits: {memory: 512Mi}}")}, [(K8S, 13)], {}),
    # WEB_CONCURRENCY in the image; a measured worker size from the settings
    ({K8S: deploy("          resources: {limits: {memory: 1Gi}}"),
      "Dockerfile": 'FROM python:3.12-slim\nENV WEB_CONCURRENCY=4\nCMD ["gunicorn", "app:app"]\n'},
     [], {}),
    ({K8S: deploy("          resources: {limits: {memory: 1Gi}}"),
      "Dockerfile": 'FROM python:3.12-slim\nENV WEB_CONCURRENCY=4\nCMD ["gunicorn", "app:app"]\n'},
     [(K8S, 12)], {"worker_memory": "250Mi"}),
    # no memory limit, a request only, or a computed worker count: nothing to compare
    ({K8S: deploy(cmd("gunicorn", "-w", "64", "app:app"))}, [], {}),
    ({K8S: deploy(cmd("gunicorn", "-w", "64", "app:app"),
                  "          resources: {requests: {memory: 128Mi}}")}, [], {}),
])
def test_pf307_workers_exceed_memory(tmp_path: Path, files: dict[str, str],
                                     expected: list[tuple[str, int]],
                                     settings: dict[str, str]) -> None:
    assert hits(tmp_path, files, "PF307", **settings) == expected


def test_pf307_message_has_the_arithmetic(tmp_path: Path) -> None:
    files = {K8S: deploy(cmd("gunicorn", "-w", "8", "app:app"),
                         "          resources: {limits: {memory: 512Mi}}")}
    [finding] = check_files(tmp_path, files, ("PF307",)).findings
    assert "8 workers + 1 master" in finding.message
    assert "= 9 processes" in finding.message
    assert "60Mi each that is 540Mi" in finding.message
    assert "512Mi" in finding.message
    assert "at most 7 workers" in finding.message


def test_pf301_args_through_an_entrypoint_script(tmp_path: Path) -> None:
    files = {K8S: deploy("          args: [gunicorn, -w, '9', 'app:app']", LIMIT_1CPU),
             "Dockerfile": 'FROM python:3.12-slim\nENTRYPOINT ["/docker-entrypoint.sh"]\n',
             "docker-entrypoint.sh": '#!/bin/sh\nset -e\nexec "$@"\n'}
    assert hits(tmp_path, files, "PF301") == [(K8S, 13)]


@pytest.mark.parametrize("command", [
    cmd("dumb-init", "gunicorn", "-w", "9", "app:app"),
    cmd("dumb-init", "--rewrite", "15:3", "--", "gunicorn", "-w", "9", "app:app"),
    cmd("tini", "-g", "--", "gunicorn", "-w", "9", "app:app"),
    cmd("gosu", "app", "gunicorn", "-w", "9", "app:app"),
    cmd("env", "-i", "PATH=/usr/bin", "gunicorn", "-w", "9", "app:app"),
    cmd("opentelemetry-instrument", "--traces_exporter", "otlp", "gunicorn", "-w", "9",
        "app:app"),
    cmd("ddtrace-run", "python", "-m", "gunicorn", "-w", "9", "app:app"),
    cmd("sh", "-c", "cd /app && WEB_CONCURRENCY=9 exec gunicorn app:app"),
    cmd("sh", "-c", "export WEB_CONCURRENCY=9; exec gunicorn app:app"),
    cmd("env", "WEB_CONCURRENCY=9", "gunicorn", "app:app"),
])
def test_pf301_sees_through_wrappers(tmp_path: Path, command: str) -> None:
    assert hits(tmp_path, {K8S: deploy(command, LIMIT_1CPU)}, "PF301") == [(K8S, 13)]


def test_pf301_shell_assignment_wins_over_container_env(tmp_path: Path) -> None:
    files = {K8S: deploy(cmd("sh", "-c", "WEB_CONCURRENCY=2 exec gunicorn app:app"),
                         env("WEB_CONCURRENCY", "9"), LIMIT_1CPU)}
    assert hits(tmp_path, files, "PF301") == []


START = '#!/bin/sh\nset -e\nexport WEB_CONCURRENCY="${WEB_CONCURRENCY:-9}"\nexec gunicorn app:app\n'


@pytest.mark.parametrize(("files", "expected"), [
    # a script that ends in the server: its variables and last line count
    ({K8S: deploy(cmd("/app/start.sh"), LIMIT_1CPU), "start.sh": START}, [(K8S, 13)]),
    ({K8S: deploy(cmd("bash", "/app/start.sh"), LIMIT_1CPU), "start.sh": START}, [(K8S, 13)]),
    ({K8S: deploy(cmd("/app/start.sh"), env("WEB_CONCURRENCY", "2"), LIMIT_1CPU),
      "start.sh": START}, []),
    ({K8S: deploy(LIMIT_1CPU), "start.sh": START,
      "Dockerfile": 'FROM python:3.12-slim\nENTRYPOINT ["/start.sh"]\n'}, [(K8S, 12)]),
    # Kubernetes $(VAR) references and shell ${VAR:-default} in sh -c
    ({K8S: deploy(cmd("gunicorn", "-w", "$(WORKERS)", "app:app"),
                  "          env: [{name: WORKERS, value: '9'}]", LIMIT_1CPU)}, [(K8S, 14)]),
    ({K8S: deploy(cmd("gunicorn", "-w", "$$(WORKERS)", "app:app"),
                  "          env: [{name: WORKERS, value: '9'}]", LIMIT_1CPU)}, []),
    ({K8S: deploy(cmd("sh", "-c", "exec gunicorn -w ${WORKERS:-9} app:app"), LIMIT_1CPU)},
     [(K8S, 13)]),
    ({K8S: deploy(cmd("sh", "-c", "exec gunicorn -w ${WORKERS:-9} app:app"),
                  env("WORKERS", "3"), LIMIT_1CPU)}, []),
    # exec form is not run by a shell: $VAR stays literal
    ({K8S: deploy(cmd("gunicorn", "-w", "${WORKERS:-9}", "app:app"), LIMIT_1CPU)}, []),
])
def test_pf301_scripts_and_variables(tmp_path: Path, files: dict[str, str],
                                     expected: list[tuple[str, int]]) -> None:
    assert hits(tmp_path, files, "PF301") == expected


def test_pf302_in_a_start_script(tmp_path: Path) -> None:
    files = {"Dockerfile": 'FROM python:3.12-slim\nCMD ["/app/run.sh"]\n',
             "run.sh": "#!/bin/sh\ncd /app\nexec gunicorn --workers $((2 * $(nproc) + 1)) "
                       "app:app\n"}
    assert hits(tmp_path, files, "PF302") == [("run.sh", 3)]


ENV_CONF = 'import os\n\nworkers = int(os.environ.get("GUNICORN_WORKERS", {}))\n'


@pytest.mark.parametrize(("files", "expected"), [
    ({K8S: deploy(cmd("gunicorn", "app:app"), LIMIT_1CPU), "gunicorn.conf.py": ENV_CONF.format(8)},
     [(K8S, 13)]),
    ({K8S: deploy(cmd("gunicorn", "app:app"), LIMIT_1CPU), "gunicorn.conf.py": ENV_CONF.format(2)},
     []),
    ({K8S: deploy(cmd("gunicorn", "app:app"), env("GUNICORN_WORKERS", "12"), LIMIT_1CPU),
      "gunicorn.conf.py": ENV_CONF.format(2)}, [(K8S, 14)]),
    ({K8S: deploy(cmd("gunicorn", "app:app"), LIMIT_1CPU),
      "gunicorn.conf.py": 'import os\nworkers = os.getenv("W") or 8\n'}, []),
])
def test_pf301_config_reads_the_environment(tmp_path: Path, files: dict[str, str],
                                            expected: list[tuple[str, int]]) -> None:
    assert hits(tmp_path, files, "PF301") == expected


# A start script choosing the config file, and a config that sizes workers from the CPU count
# in an else branch unless WEB_CONCURRENCY is set — the shape of widely copied base images.
START_SCRIPT = """\
#!/bin/sh
set -e
if [ -f /app/gunicorn_conf.py ]; then
    FALLBACK_CONF=/app/gunicorn_conf.py
else
    FALLBACK_CONF=/gunicorn_conf.py
fi
export GUNICORN_CONF=${GUNICORN_CONF:-$FALLBACK_CONF}
exec gunicorn -c "$GUNICORN_CONF" "${APP_MODULE:-main:app}"
"""
BRANCHY_CONF = """\
import multiprocessing
import os

per_core = float(os.getenv("WORKERS_PER_CORE", "1"))
requested = os.getenv("WEB_CONCURRENCY")
cores = multiprocessing.cpu_count()
if requested:
    web_concurrency = int(requested)
else:
    web_concurrency = max(int(per_core * cores), 2)

workers = web_concurrency
graceful_timeout = int(os.getenv("GRACEFUL_TIMEOUT", "120"))
"""


@pytest.mark.parametrize(("container_env", "expected"), [
    ((), [("gunicorn_conf.py", 12)]),
    ((env("WEB_CONCURRENCY", "2"),), []),
])
def test_pf302_start_script_and_branchy_config(tmp_path: Path, container_env: tuple[str, ...],
                                               expected: list[tuple[str, int]]) -> None:
    files = {K8S: deploy(*container_env, LIMIT_1CPU), "start.sh": START_SCRIPT,
             "gunicorn_conf.py": BRANCHY_CONF,
             "Dockerfile": 'FROM python:3.12-slim\nCOPY start.sh gunicorn_conf.py /\n'
                           'CMD ["/start.sh"]\n'}
    assert hits(tmp_path, files, "PF302") == expected
    if expected:
        [finding] = check_files(tmp_path / "again", files, ("PF302",)).findings
        assert "from the CPU count on line 6" in finding.message
        assert "this pod's CPU is 1: at most 3 workers" in finding.message


def test_pf303_fix_adds_concurrency_from_the_cpu(tmp_path: Path) -> None:
    files = {K8S: deploy(cmd("celery", "-A", "proj", "worker"),
                         "          resources: {limits: {cpu: 2500m}}")}
    [finding] = check_files(tmp_path, files, ("PF303",)).findings
    assert finding.fix is not None
    [edit] = finding.fix.yaml_edits
    assert (edit.key, edit.value, edit.op) == ("command", "--concurrency=2", "append")
    files = {K8S: deploy(cmd("celery", "-A", "proj", "worker"))}
    [finding] = check_files(tmp_path / "no-cpu", files, ("PF303",)).findings
    assert finding.fix is None
