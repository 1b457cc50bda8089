"""Fixtures for resource rules (PF2xx): exact (path, line) expectations, and their fixes."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from podfit.check.fixer import apply_yaml_edits
from tests.check.helpers import check_files, hits

HEAD = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: app
          image: registry.example/web:1
"""  # the container starts on line 10; its first added key is on line 12


def deploy(body: str = "") -> str:
    """A Deployment whose container ``app`` gets ``body`` (keys of the container)."""
    return HEAD + textwrap.indent(textwrap.dedent(body), " " * 10)


FULL = """\
resources:
  requests: {cpu: 250m, memory: 256Mi}
  limits: {memory: 256Mi}
"""

LIMIT_RANGE = """\
---
apiVersion: v1
kind: LimitRange
metadata: {name: defaults, namespace: %s}
spec:
  limits:
    - type: Container
      default: {cpu: "1", memory: 512Mi}
      defaultRequest: {cpu: 250m, memory: 256Mi}
"""

TWO_CONTAINERS = """\
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  initContainers:
    - name: migrate
      image: registry.example/web:1
    - name: proxy
      image: registry.example/proxy:1
      restartPolicy: Always
  containers:
    - name: app
      image: registry.example/web:1
      resources:
        requests: {cpu: 250m, memory: 256Mi}
        limits: {memory: 256Mi}
    - name: worker
      image: registry.example/web:1
"""

LIST = """\
apiVersion: v1
kind: List
items:
  - apiVersion: batch/v1
    kind: CronJob
    metadata: {name: nightly}
    spec:
      schedule: "0 3 * * *"
      jobTemplate:
        spec:
          template:
            spec:
              containers:
                - name: job
                  image: registry.example/web:1
  - apiVersion: apps/v1
    kind: StatefulSet
    metadata: {name: db}
    spec:
      template:
        spec:
          containers:
            - name: db
              image: registry.example/db:1
              resources:
                limits: {cpu: 500m, memory: 1Gi}
"""


def _ns(manifest: str, namespace: str) -> str:
    return manifest.replace("metadata: {name: web}", f"metadata: {{name: web, namespace: "
                            f"{namespace}}}", 1)


@pytest.mark.parametrize(("manifest", "expected"), [
    (deploy(), [10]),
    (deploy("resources:\n  requests: {memory: 1Gi}\n"), [12]),
    (deploy("resources:\n  requests: {cpu: 100m}\n"), []),
    (deploy("resources:\n  limits: {cpu: 500m}\n"), []),  # the request defaults to the limit
    (deploy('resources:\n  requests: {cpu: "{{ .Values.cpu }}"}\n'), []),  # templated: written
    (deploy("resources: {}\n"), [12]),
    (deploy("resources: ${RESOURCES}\n"), []),  # filled in at deploy time
    (_ns(deploy(), "shop") + LIMIT_RANGE % "shop", []),
    (_ns(deploy(), "shop") + LIMIT_RANGE % "other", [10]),
    (TWO_CONTAINERS, [8, 17]),  # native sidecar and 2nd container; plain init container skipped
    (LIST, [14]),  # CronJob without requests; the StatefulSet's limit counts as its request
])
def test_pf201_cpu_request_missing(tmp_path: Path, manifest: str, expected: list[int]) -> None:
    assert hits(tmp_path, {"k8s.yaml": manifest}, "PF201") == [("k8s.yaml", n) for n in expected]


@pytest.mark.parametrize(("manifest", "expected"), [
    (deploy(), [10]),
    (deploy("resources:\n  requests: {cpu: 100m}\n"), [12]),
    (deploy("resources:\n  limits: {memory: 1Gi}\n"), []),
    (deploy(FULL), []),
    (_ns(deploy(), "shop") + LIMIT_RANGE % "shop", []),
    (TWO_CONTAINERS, [8, 17]),
    (LIST, [14]),
])
def test_pf202_memory_request_missing(tmp_path: Path, manifest: str,
                                      expected: list[int]) -> None:
    assert hits(tmp_path, {"k8s.yaml": manifest}, "PF202") == [("k8s.yaml", n) for n in expected]


@pytest.mark.parametrize(("manifest", "expected"), [
    (deploy(), [10]),
    (deploy("resources:\n  requests: {cpu: 100m, memory: 256Mi}\n"), [12]),
    (deploy(FULL), []),
    (deploy("resources:\n  limits: {memory: 2Gi}\n"), []),
    (_ns(deploy(), "shop") + LIMIT_RANGE % "shop", []),
    (TWO_CONTAINERS, [6, 8, 17]),  # init containers count here
    (LIST, [14]),
])
def test_pf203_memory_limit_missing(tmp_path: Path, manifest: str, expected: list[int]) -> None:
    assert hits(tmp_path, {"k8s.yaml": manifest}, "PF203") == [("k8s.yaml", n) for n in expected]


@pytest.mark.parametrize(("manifest", "ratio", "expected"), [
    (deploy("resources:\n  requests: {memory: 256Mi}\n  limits: {memory: 2Gi}\n"), 2.0, [14]),
    (deploy("resources:\n  requests: {memory: 256Mi}\n  limits: {memory: 512Mi}\n"), 2.0, []),
    (deploy("resources:\n  requests: {memory: 256Mi}\n  limits: {memory: 512Mi}\n"), 1.5, [14]),
    (deploy("resources:\n  limits: {memory: 2Gi}\n"), 2.0, []),  # request = limit
    (deploy("resources:\n  requests: {memory: 256Mi}\n"), 2.0, []),
    (deploy("resources:\n  requests: {memory: 1G}\n  limits:\n    cpu: 1\n    memory: 4Gi\n"),
     2.0, [16]),
])
def test_pf204_memory_limit_far_above_request(tmp_path: Path, manifest: str, ratio: float,
                                              expected: list[int]) -> None:
    found = hits(tmp_path, {"k8s.yaml": manifest}, "PF204", memory_limit_ratio=ratio)
    assert found == [("k8s.yaml", n) for n in expected]


CPU_LIMIT = "resources:\n  requests: {cpu: 250m}\n  limits:\n    cpu: %s\n    memory: 1Gi\n"


@pytest.mark.parametrize(("manifest", "policy", "expected"), [
    (deploy(CPU_LIMIT % "500m"), "none", [15]),
    (deploy(CPU_LIMIT % "2"), "none", [15]),
    (deploy(FULL), "none", []),
    (deploy(CPU_LIMIT % "500m"), "integer", [15]),
    (deploy(CPU_LIMIT % "1.5"), "integer", [15]),
    (deploy(CPU_LIMIT % "2"), "integer", []),
    (deploy(CPU_LIMIT % "1000m"), "integer", []),
    (deploy(FULL), "integer", []),
    (deploy(FULL), "required", [12]),
    (deploy(CPU_LIMIT % "500m"), "required", []),
    (TWO_CONTAINERS, "required", [6, 8, 14, 17]),  # init containers too (ResourceQuota)
    (TWO_CONTAINERS, "none", []),
    (_ns(deploy(FULL), "shop") + LIMIT_RANGE % "shop", "required", []),
])
def test_pf205_cpu_limit_policy(tmp_path: Path, manifest: str, policy: str,
                                expected: list[int]) -> None:
    found = hits(tmp_path, {"k8s.yaml": manifest}, "PF205", cpu_limit_policy=policy)
    assert found == [("k8s.yaml", n) for n in expected]


def _apply_fix(root: Path, manifest: str, code: str, **settings: Any) -> str:
    result = check_files(root, {"k8s.yaml": manifest}, (code,), **settings)
    (finding,) = result.findings
    assert finding.fix is not None
    path = root / "k8s.yaml"
    path.write_text(apply_yaml_edits(path.read_text(), finding.fix.yaml_edits))
    assert hits(root, {}, code, **settings) == []  # the fix resolves the finding
    return path.read_text()


def test_pf203_fix_sets_limit_to_request(tmp_path: Path) -> None:
    text = _apply_fix(tmp_path, deploy("resources:\n  requests: {cpu: 100m, memory: 256Mi}\n"),
                      "PF203")
    assert "limits:\n              memory: 256Mi" in text


def test_pf203_fix_in_list_adds_to_existing_limits(tmp_path: Path) -> None:
    manifest = LIST.replace("limits: {cpu: 500m, memory: 1Gi}",
                            "requests: {memory: 1Gi}\n                limits: {cpu: 500m}")
    manifest = manifest.replace("                  image: registry.example/web:1\n", """\
                  image: registry.example/web:1
                  resources:
                    limits: {memory: 64Mi}
""")
    text = _apply_fix(tmp_path, manifest, "PF203")
    assert "limits: {cpu: 500m, memory: 1Gi}" in text


def test_pf203_no_fix_without_request(tmp_path: Path) -> None:
    (finding,) = check_files(tmp_path, {"k8s.yaml": deploy()}, ("PF203",)).findings
    assert finding.fix is None


def test_pf205_integer_fix_rounds_up_and_keeps_request(tmp_path: Path) -> None:
    text = _apply_fix(tmp_path, deploy("resources:\n  limits: {cpu: 500m, memory: 1Gi}\n"),
                      "PF205", cpu_limit_policy="integer")
    assert "limits: {cpu: 1, memory: 1Gi}" in text
    assert "requests:\n              cpu: 500m" in text


def test_pf205_required_fix_adds_limit(tmp_path: Path) -> None:
    text = _apply_fix(tmp_path, deploy(FULL), "PF205", cpu_limit_policy="required")
    assert "limits: {memory: 256Mi, cpu: 250m}" in text


def test_pf204_message_names_numbers(tmp_path: Path) -> None:
    manifest = deploy("resources:\n  requests: {memory: 256Mi}\n  limits: {memory: 2Gi}\n")
    (finding,) = check_files(tmp_path, {"k8s.yaml": manifest}, ("PF204",)).findings
    assert "Deployment/web container 'app'" in finding.message
    assert "2Gi, 8× its request of 256Mi (more than 2×)" in finding.message
