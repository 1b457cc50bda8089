"""Fixtures for probe rules (PF510–PF514): exact (path, line) expectations, and their fixes."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from podfit.check.fixer import apply_yaml_edits, plan_fixes
from podfit.core.models import FixSafety
from tests.check.helpers import check_files, hits

HEAD = """\
apiVersion: apps/v1
kind: %s
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: app
          image: %s
"""  # the container starts on line 10; its first added key is on line 12


def pod(body: str = "", *, kind: str = "Deployment",
        image: str = "registry.example/python-web:1") -> str:
    """A workload whose container ``app`` gets ``body`` (keys of the container)."""
    return HEAD % (kind, image) + textwrap.indent(textwrap.dedent(body), " " * 10)


SERVICE = """\
---
apiVersion: v1
kind: Service
metadata: {name: web%s}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8000}]
"""

PORTS = "ports: [{name: http, containerPort: 8000}]\n"
READY = "readinessProbe:\n  httpGet: {path: /readyz, port: http}\n"

SIDECAR = """\
- name: nginx
  image: nginx:1.27
  ports: [{containerPort: 80}]
"""


def _second(body: str) -> str:
    return textwrap.indent(body, " " * 8)


@pytest.mark.parametrize(("manifest", "expected"), [
    (pod(PORTS), [10]),
    (pod(PORTS + READY), []),
    (pod(), []),  # no ports, no Service: a worker
    (pod() + SERVICE % "", [10]),
    (pod() + SERVICE % ", namespace: other", [10]),  # no namespace matches any…
    (pod().replace("{name: web}", "{name: web, namespace: shop}") + SERVICE % ", namespace: b",
     []),  # …but two different namespaces do not
    (pod(PORTS, kind="StatefulSet"), [10]),
    (pod(PORTS).replace("kind: Deployment", "kind: Job"), []),  # not a serving kind
    (pod(PORTS + READY) + _second(SIDECAR), []),  # the nginx sidecar is not the app
    (pod(PORTS) + _second(SIDECAR), [10]),
    (pod(PORTS, image="nginx:1.27"), [10]),  # a lone nginx is the app
    (pod(PORTS) + _second("- name: worker\n  image: registry.example/python-web:1\n")
     + SERVICE % "",
     [10]),  # the Service's traffic goes to the container with ports
    (pod() + _second("- name: worker\n  image: registry.example/python-web:1\n") + SERVICE % "",
     [10, 12]),
])
def test_pf510_readiness_probe_missing(tmp_path: Path, manifest: str,
                                       expected: list[int]) -> None:
    found = hits(tmp_path, {"k8s.yaml": manifest}, "PF510")
    assert found == [("k8s.yaml", n) for n in expected]


def test_pf510_in_list(tmp_path: Path) -> None:
    manifest = """\
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Pod
    metadata: {name: web, labels: {app: web}}
    spec:
      containers:
        - name: app
          image: registry.example/python-web:1
  - apiVersion: v1
    kind: Service
    metadata: {name: web}
    spec: {selector: {app: web}, ports: [{port: 80}]}
"""
    (finding,) = check_files(tmp_path, {"k8s.yaml": manifest}, ("PF510",)).findings
    assert finding.line == 9
    assert "Pod/web container 'app' has no readinessProbe although Service/web" in (
        finding.message)


def probes(live: str, ready: str, ports: str = PORTS) -> str:
    return ports + "readinessProbe:\n" + textwrap.indent(ready, "  ") + (
        "livenessProbe:\n" + textwrap.indent(live, "  "))


HTTP = "httpGet: {path: /healthz, port: 8000}\n"


@pytest.mark.parametrize(("manifest", "expected"), [
    (pod(probes(HTTP, HTTP)), [15]),
    (pod(probes(HTTP, "httpGet: {path: /healthz, port: http}\n")), [15]),  # http is 8000
    (pod(probes(HTTP, "httpGet: {path: /readyz, port: 8000}\n")), []),
    (pod(probes("grpc: {port: 9000}\n", "grpc: {port: 9000}\n")), [15]),
    (pod(probes("grpc: {port: 9000}\n", "grpc: {port: 9000, service: ready}\n")), []),
    (pod(probes("tcpSocket: {port: 8000}\n", "tcpSocket: {port: http}\n")), [15]),
    (pod(probes("exec: {command: [cat, /tmp/ok]}\n", "exec: {command: [cat, /tmp/ok]}\n")),
     [15]),
    (pod(probes(HTTP + "failureThreshold: 6\n", HTTP)), []),  # more patient: the docs' advice
    (pod(probes(HTTP + "periodSeconds: 20\n", HTTP)), []),
    (pod(probes(HTTP + "timeoutSeconds: 5\n", HTTP)), []),
    (pod(probes(HTTP + "periodSeconds: 5\n", HTTP)), [15]),  # gives up sooner than readiness
    (pod(probes(HTTP, HTTP + "failureThreshold: 1\n")), []),
    (pod(probes(HTTP, HTTP + "failureThreshold: 6\n")), [16]),
    (pod(probes(HTTP, HTTP, ports="")), [14]),
    (pod(probes(HTTP, HTTP), kind="DaemonSet"), [15]),
    (pod(probes(HTTP, HTTP)).replace("kind: Deployment", "kind: Job"), []),
])
def test_pf511_liveness_same_as_readiness(tmp_path: Path, manifest: str,
                                          expected: list[int]) -> None:
    found = hits(tmp_path, {"k8s.yaml": manifest}, "PF511")
    assert found == [("k8s.yaml", n) for n in expected]


def test_pf511_fix_makes_liveness_more_patient(tmp_path: Path) -> None:
    manifest = pod(probes("grpc: {port: 9000}\n", "grpc: {port: 9000}\n"))
    (finding,) = check_files(tmp_path, {"k8s.yaml": manifest}, ("PF511",)).findings
    assert "grpc on port 9000" in finding.message
    assert "3 × 10 s" in finding.message
    assert finding.fix is not None
    assert finding.fix.safety is FixSafety.UNSAFE
    fixed = apply_yaml_edits(manifest, finding.fix.yaml_edits)
    assert "failureThreshold: 6" in fixed
    assert hits(tmp_path, {"k8s.yaml": fixed}, "PF511") == []


LIVE = "livenessProbe:\n  httpGet: {path: /livez, port: 8000}\n"


@pytest.mark.parametrize(("manifest", "expected"), [
    (pod(LIVE), [12]),
    (pod(LIVE + "  timeoutSeconds: 1\n"), [14]),
    (pod(LIVE + "  timeoutSeconds: 3\n"), []),
    (pod(), []),
    (pod("command: [gunicorn, app:app]\n" + LIVE), [13]),
    (pod("command: [node, server.js]\n" + LIVE), []),  # known not to be Python
    (pod(LIVE, image="redis:7"), []),  # a sidecar image
    (pod(LIVE).replace("kind: Deployment", "kind: Job"), []),
    (pod(LIVE, kind="StatefulSet") + _second("- name: side\n  image: registry.example/python-s:1\n"
                                             "  " + LIVE.replace("\n  ", "\n    ")),
     [12, 16]),
])
def test_pf512_liveness_timeout_too_short(tmp_path: Path, manifest: str,
                                          expected: list[int]) -> None:
    found = hits(tmp_path, {"k8s.yaml": manifest}, "PF512")
    assert found == [("k8s.yaml", n) for n in expected]


def test_pf512_fix_is_safe_only_when_the_timeout_was_not_written(tmp_path: Path) -> None:
    result = check_files(tmp_path, {"k8s.yaml": pod(LIVE)}, ("PF512",))
    (outcome,) = plan_fixes(result.findings)
    assert "timeoutSeconds: 3" in outcome.after
    assert hits(tmp_path, {"k8s.yaml": outcome.after}, "PF512") == []
    explicit = pod(LIVE + "  timeoutSeconds: 1\n")
    (finding,) = check_files(tmp_path, {"k8s.yaml": explicit}, ("PF512",)).findings
    assert finding.fix is not None
    assert finding.fix.safety is FixSafety.UNSAFE
    assert plan_fixes([finding]) == []


FAST = LIVE + "  periodSeconds: 5\n"
BARE_POD = """\
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
    - name: app
      image: registry.example/python-web:1
      livenessProbe: {tcpSocket: {port: 8000}, initialDelaySeconds: 5, periodSeconds: 5}
"""


@pytest.mark.parametrize(("files", "expected"), [
    ({"k8s.yaml": pod(FAST)}, [12]),  # 0 + 3 × 5 = 15 s
    ({"k8s.yaml": pod(LIVE)}, []),  # 30 s: enough for a plain Python app
    ({"k8s.yaml": pod(FAST + "  initialDelaySeconds: 20\n")}, []),
    ({"k8s.yaml": pod("startupProbe:\n  httpGet: {path: /livez, port: 8000}\n" + FAST)}, []),
    ({"k8s.yaml": pod("env: [{name: DJANGO_SETTINGS_MODULE, value: site.settings}]\n" + LIVE)},
     [13]),
    ({"k8s.yaml": pod("command: [gunicorn, mysite.wsgi:application]\n" + LIVE)}, [13]),
    ({"k8s.yaml": pod("command: [python, manage.py, runserver]\n" + LIVE + "  "
                      "initialDelaySeconds: 40\n")}, []),  # 40 + 30 = 70 s
    ({"k8s.yaml": pod(LIVE), "requirements.txt": "torch==2.5.1\nfastapi\n"}, [12]),
    ({"k8s.yaml": pod(LIVE), "requirements.txt": "flask\n"}, []),
    ({"k8s.yaml": pod(FAST, image="redis:7")}, []),
    ({"k8s.yaml": BARE_POD}, [8]),  # 5 + 3 × 5 = 20 s
])
def test_pf513_startup_probe_missing(tmp_path: Path, files: dict[str, str],
                                     expected: list[int]) -> None:
    assert hits(tmp_path, files, "PF513") == [("k8s.yaml", n) for n in expected]


def test_pf513_fix_adds_startup_probe(tmp_path: Path) -> None:
    manifest = pod("command: [gunicorn, mysite.wsgi:application]\n" + LIVE)
    (finding,) = check_files(tmp_path, {"k8s.yaml": manifest}, ("PF513",)).findings
    assert "gives it 30 s to start" in finding.message
    assert "60 s a Django app" in finding.message
    assert finding.fix is not None
    assert finding.fix.safety is FixSafety.UNSAFE
    fixed = apply_yaml_edits(manifest, finding.fix.yaml_edits)
    assert "startupProbe:\n            httpGet:" in fixed
    assert "failureThreshold: 24" in fixed
    assert hits(tmp_path, {"k8s.yaml": fixed}, "PF513") == []


@pytest.mark.parametrize(("manifest", "expected"), [
    (pod(PORTS + "readinessProbe:\n  httpGet: {path: /r, port: web}\n"), [14]),
    (pod(PORTS + "readinessProbe:\n  httpGet: {path: /r, port: http}\n"), []),
    (pod(PORTS + "livenessProbe:\n  httpGet:\n    path: /r\n    port: 8080\n"), [16]),
    (pod(PORTS + "livenessProbe:\n  httpGet: {path: /r, port: 8000}\n"), []),
    (pod(PORTS + "livenessProbe:\n  httpGet: {path: /r, port: '8000'}\n"), []),
    (pod("livenessProbe:\n  httpGet: {path: /r, port: 8080}\n"), []),  # no ports declared
    (pod("livenessProbe:\n  httpGet: {path: /r, port: http}\n"), [13]),  # a name never resolves
    (pod(PORTS + "startupProbe:\n  tcpSocket: {port: 9000}\n"), [14]),
    (pod(PORTS + "readinessProbe:\n  grpc: {port: 9000}\n"), [14]),
    (pod(PORTS + "readinessProbe:\n  httpGet: {host: 10.0.0.1, path: /r, port: 9000}\n"), []),
    (pod(PORTS + "readinessProbe:\n  httpGet: {path: /r, port: '${PORT}'}\n"), []),
    (pod("ports: [{containerPort: '{{ .Values.port }}'}]\n"
         "readinessProbe:\n  tcpSocket: {port: 9000}\n"), []),
    (pod(PORTS + "readinessProbe:\n  exec: {command: [true]}\n"), []),
    (pod(PORTS) + _second("- name: side\n  image: registry.example/s:1\n"
                          "  readinessProbe:\n    tcpSocket: {port: http}\n"), [16]),
    (pod(PORTS + "readinessProbe:\n  tcpSocket: {port: web}\n").replace(
        "kind: Deployment", "kind: Job"), []),
])
def test_pf514_probe_port_not_exposed(tmp_path: Path, manifest: str,
                                      expected: list[int]) -> None:
    found = hits(tmp_path, {"k8s.yaml": manifest}, "PF514")
    assert found == [("k8s.yaml", n) for n in expected]


def test_pf512_safe_fix_inside_a_list_keeps_comments(tmp_path: Path) -> None:
    manifest = """\
# app manifests
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Pod
    metadata: {name: web}
    spec:
      containers:
        - name: app
          image: registry.example/python-web:1
          livenessProbe:   # keep me
            httpGet: {path: /livez, port: 8000}
"""
    result = check_files(tmp_path, {"k8s.yaml": manifest}, ("PF512",))
    (outcome,) = plan_fixes(result.findings)
    assert outcome.after == manifest + "            timeoutSeconds: 3\n"
