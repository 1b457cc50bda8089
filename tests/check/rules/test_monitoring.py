"""Fixtures for monitoring and log rules (PF7xx): exact (path, line) expectations.

``deploy(*lines)`` builds a Deployment whose first container is ``web`` with its ``image`` on
line 11; the given lines follow from line 12 (10-space indent for container keys).
"""

from __future__ import annotations

from pathlib import Path

import pytest

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
K8S = "k8s.yaml"


def deploy(*lines: str) -> str:
    return HEADER + "".join(f"{line}\n" for line in lines)


def cmd(*argv: str) -> str:
    return "          command: [" + ", ".join(f'"{a}"' for a in argv) + "]"


def env(name: str, value: str) -> str:
    return f"          env: [{{name: {name}, value: '{value}'}}]"


# -- PF701 python-unbuffered-unset -----------------------------------------------------------
PY_IMAGE = 'FROM python:3.12-slim\nCMD ["gunicorn", "app:app"]\n'


@pytest.mark.parametrize(("files", "expected"), [
    ({"Dockerfile": "FROM python:3.12-slim\nCMD [\"gunicorn\", \"app:app\"]\n"},
     [("Dockerfile", 1)]),
    ({"Dockerfile": "FROM python:3.12-slim\nENV PYTHONUNBUFFERED=1\n"}, []),
    ({"Dockerfile": "FROM python:3.12-slim\nENV PYTHONUNBUFFERED 1\n"}, []),
    # set in a parent stage; only the final stage counts
    ({"Dockerfile": "FROM python:3.12-slim AS base\nENV PYTHONUNBUFFERED=1\nFROM base\n"}, []),
    ({"Dockerfile": "FROM python:3.12-slim AS build\nENV PYTHONUNBUFFERED=1\n"
                    "FROM python:3.12-slim\n"}, [("Dockerfile", 3)]),
    # not Python: a Node image, an nginx final stage after a Python build stage
    ({"Dockerfile": "FROM node:22-slim\nCMD [\"node\", \"server.js\"]\n"}, []),
    ({"Dockerfile": "FROM python:3.12-slim AS docs\nRUN mkdocs build\nFROM nginx:1.27\n"}, []),
    # a Python server on another base image counts
    ({"Dockerfile": "FROM debian:12-slim\nCMD [\"gunicorn\", \"app:app\"]\n"},
     [("Dockerfile", 1)]),
    # python -u
    ({"Dockerfile": "FROM python:3.12-slim\nCMD [\"python\", \"-u\", \"worker.py\"]\n"}, []),
    ({"Dockerfile": "FROM python:3.12-slim\nCMD [\"python\", \"-Bu\", \"worker.py\"]\n"}, []),
    # containers without a Dockerfile
    ({K8S: deploy(cmd("gunicorn", "app:app"))}, [(K8S, 11)]),
    ({K8S: deploy(cmd("gunicorn", "app:app"), env("PYTHONUNBUFFERED", "1"))}, []),
    ({K8S: deploy(cmd("gunicorn", "app:app"), env("X", "1"))}, [(K8S, 13)]),
    ({K8S: deploy(cmd("gunicorn", "app:app"), "          envFrom: [{configMapRef: {name: c}}]")},
     []),
    ({K8S: deploy(cmd("gunicorn", "app:app"), "          env:", "            - name: "
                  "PYTHONUNBUFFERED", "              valueFrom: {configMapKeyRef: {name: c, "
                  "key: k}}")}, []),
    ({K8S: deploy(cmd("nginx"))}, []),
    ({K8S: deploy()}, []),
    # the image is reported once; not when every container running it sets the variable
    ({K8S: deploy(), "Dockerfile": PY_IMAGE}, [("Dockerfile", 1)]),
    ({K8S: deploy(env("PYTHONUNBUFFERED", "1")), "Dockerfile": PY_IMAGE}, []),
    ({K8S: deploy(env("PYTHONUNBUFFERED", "1")) + "        - name: w2\n"
                  "          image: registry.example/web:1.0\n",
      "Dockerfile": PY_IMAGE}, [("Dockerfile", 1)]),
])
def test_pf701_python_unbuffered(tmp_path: Path, files: dict[str, str],
                                 expected: list[tuple[str, int]]) -> None:
    assert hits(tmp_path, files, "PF701") == expected


@pytest.mark.parametrize(("dockerfile", "fixed"), [
    ("FROM python:3.12-slim\nCMD [\"gunicorn\", \"app:app\"]\n",
     "FROM python:3.12-slim\nENV PYTHONUNBUFFERED=1\nCMD [\"gunicorn\", \"app:app\"]\n"),
    ("FROM python:3.12-slim", "FROM python:3.12-slim\nENV PYTHONUNBUFFERED=1"),
])
def test_pf701_fix(tmp_path: Path, dockerfile: str, fixed: str) -> None:
    (tmp_path / "Dockerfile").write_text(dockerfile)
    from podfit.check.engine import run_check
    from podfit.check.settings import CheckSettings

    [finding] = run_check([str(tmp_path)], CheckSettings(), select=("PF701",)).findings
    assert finding.fix is not None
    assert apply_text_edits(dockerfile, finding.fix.text_edits) == fixed


# -- PF702 prometheus-multiproc-dir ----------------------------------------------------------
SCRAPED = HEADER.replace("metadata: {labels: {app: web}}",
                         "metadata: {labels: {app: web}, annotations: "
                         "{prometheus.io/scrape: 'true'}}")


def scraped(*lines: str) -> str:
    return SCRAPED + "".join(f"{line}\n" for line in lines)


MOUNT = "          volumeMounts: [{name: metrics, mountPath: /run/prometheus}]"
EMPTYDIR = "      volumes: [{name: metrics, emptyDir: {}}]"
SERVICE = """\
---
apiVersion: v1
kind: Service
metadata: {name: web, labels: {app: web}}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8000}]
"""
G4 = cmd("gunicorn", "-w", "4", "app:app")


@pytest.mark.parametrize(("files", "expected"), [
    ({K8S: scraped(G4)}, [(K8S, 11)]),
    ({K8S: scraped(G4, env("PROMETHEUS_MULTIPROC_DIR", "/run/prometheus"), MOUNT, EMPTYDIR)},
     []),
    ({K8S: scraped(G4, env("PROMETHEUS_MULTIPROC_DIR", "/run/prometheus/web"), MOUNT,
                   EMPTYDIR)}, []),
    ({K8S: scraped(G4, env("PROMETHEUS_MULTIPROC_DIR", "/dev/shm/metrics"))}, []),
    # set, but not on a writable emptyDir
    ({K8S: scraped(G4, env("PROMETHEUS_MULTIPROC_DIR", "/tmp/metrics"))}, [(K8S, 13)]),
    ({K8S: scraped(G4, env("PROMETHEUS_MULTIPROC_DIR", "/run/prometheus"),
                   "          volumeMounts: [{name: metrics, mountPath: /run/prometheus, "
                   "readOnly: true}]", EMPTYDIR)}, [(K8S, 13)]),
    ({K8S: scraped(G4, env("PROMETHEUS_MULTIPROC_DIR", "/run/prometheus"), MOUNT,
                   "      volumes: [{name: metrics, configMap: {name: x}}]")}, [(K8S, 13)]),
    ({K8S: scraped(G4, env("PROMETHEUS_MULTIPROC_DIR", "/run/prometheusx"), MOUNT,
                   EMPTYDIR)}, [(K8S, 13)]),
    # set in the image, mounted in the pod
    ({K8S: scraped(MOUNT, EMPTYDIR),
      "Dockerfile": "FROM python:3.12-slim\nENV PROMETHEUS_MULTIPROC_DIR=/run/prometheus\n"
                    'CMD ["gunicorn", "-w", "4", "app:app"]\n'}, []),
    ({K8S: scraped(),
      "Dockerfile": "FROM python:3.12-slim\nENV PROMETHEUS_MULTIPROC_DIR=/run/prometheus\n"
                    'CMD ["gunicorn", "-w", "4", "app:app"]\n'}, [("Dockerfile", 2)]),
    # one worker, or not scraped: nothing to merge
    ({K8S: scraped(cmd("gunicorn", "app:app"))}, []),
    ({K8S: scraped(cmd("uvicorn", "app:app"))}, []),
    ({K8S: deploy(G4)}, []),
    # workers from WEB_CONCURRENCY, uvicorn --workers, a cpu_count formula
    ({K8S: scraped(cmd("gunicorn", "app:app"), env("WEB_CONCURRENCY", "3"))}, [(K8S, 13)]),
    ({K8S: scraped(cmd("uvicorn", "app:app", "--workers", "2"))}, [(K8S, 11)]),
    ({K8S: scraped(cmd("gunicorn", "app:app")),
      "gunicorn.conf.py": "import os\nworkers = os.cpu_count() * 2\n"}, [(K8S, 11)]),
    # other ways of being scraped
    ({K8S: deploy(G4) + SERVICE.replace("metadata: {name: web, labels: {app: web}}",
                                        "metadata: {name: web, annotations: "
                                        "{prometheus.io/scrape: 'true'}}")}, [(K8S, 11)]),
    ({K8S: deploy(G4) + SERVICE + "---\napiVersion: monitoring.coreos.com/v1\n"
      "kind: ServiceMonitor\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n"
      "  endpoints: [{port: http}]\n"}, [(K8S, 11)]),
    ({K8S: deploy(G4) + SERVICE + "---\napiVersion: monitoring.coreos.com/v1\n"
      "kind: ServiceMonitor\nmetadata: {name: other}\nspec:\n"
      "  selector: {matchLabels: {app: other}}\n  endpoints: [{port: http}]\n"}, []),
    ({K8S: deploy(G4) + "---\napiVersion: monitoring.coreos.com/v1\nkind: PodMonitor\n"
      "metadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n"
      "  podMetricsEndpoints: [{port: http}]\n"}, [(K8S, 11)]),
    ({K8S: deploy(G4), "requirements.txt": "flask\nprometheus-flask-exporter==0.23\n"},
     [(K8S, 11)]),
    ({K8S: deploy(G4), "requirements.txt": "flask\nprometheus_client\n"}, [(K8S, 11)]),
    # podfit.runtime prepares the directory itself
    ({K8S: scraped(cmd("gunicorn", "-c", "python:podfit.runtime.gunicorn_conf", "app:app"),
                   env("WEB_CONCURRENCY", "4"))}, []),
])
def test_pf702_prometheus_multiproc_dir(tmp_path: Path, files: dict[str, str],
                                        expected: list[tuple[str, int]]) -> None:
    assert hits(tmp_path, files, "PF702") == expected


def test_pf702_fix_adds_env_mount_and_volume(tmp_path: Path) -> None:
    [finding] = check_files(tmp_path, {K8S: scraped(G4)}, ("PF702",)).findings
    assert finding.fix is not None
    assert str(finding.fix.safety) == "unsafe"
    keys = [(e.path, e.key) for e in finding.fix.yaml_edits]
    container = ("spec", "template", "spec", "containers", 0)
    assert keys == [(container, "env"), (container, "volumeMounts"),
                    (("spec", "template", "spec"), "volumes")]
    assert "runs gunicorn with 4 workers" in finding.message
    assert "prometheus.io/scrape" in finding.message
