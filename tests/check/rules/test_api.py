"""Fixtures for API-version rules (PF9xx): exact (path, line) expectations per target
Kubernetes version, the deprecation table, and schema validation (off by default)."""

from __future__ import annotations

from pathlib import Path

import pytest

from podfit.check.fixer import apply_yaml_edits
from podfit.check.model.apiversions import API_CHANGES, api_change, schema_version
from tests.check.helpers import check_files, hits


def obj(api_version: str, kind: str, name: str = "x", body: str = "") -> str:
    return f"apiVersion: {api_version}\nkind: {kind}\nmetadata:\n  name: {name}\n{body}"


CRONJOB = obj("batch/v1beta1", "CronJob", body=(
    "spec:\n  schedule: '@daily'\n  jobTemplate:\n    spec:\n      template:\n        spec:\n"
    "          restartPolicy: Never\n          containers:\n            - name: c\n"
    "              image: registry.example/c:1.0\n"))


@pytest.mark.parametrize(("api_version", "kind", "kube", "pf901", "pf902"), [
    ("extensions/v1beta1", "Deployment", "1.15", False, True),
    ("extensions/v1beta1", "Deployment", "1.16", True, False),
    ("apps/v1beta2", "StatefulSet", "1.35", True, False),
    ("extensions/v1beta1", "Ingress", "1.21", False, True),
    ("extensions/v1beta1", "Ingress", "1.22", True, False),
    ("networking.k8s.io/v1beta1", "Ingress", "1.22", True, False),
    ("networking.k8s.io/v1", "Ingress", "1.22", False, False),
    ("policy/v1beta1", "PodDisruptionBudget", "1.24", False, True),
    ("policy/v1beta1", "PodDisruptionBudget", "1.25", True, False),
    ("policy/v1beta1", "PodSecurityPolicy", "1.25", True, False),
    ("autoscaling/v2beta1", "HorizontalPodAutoscaler", "1.25", True, False),
    ("autoscaling/v2beta2", "HorizontalPodAutoscaler", "1.22", False, False),
    ("autoscaling/v2beta2", "HorizontalPodAutoscaler", "1.25", False, True),
    ("autoscaling/v2beta2", "HorizontalPodAutoscaler", "1.26", True, False),
    ("batch/v1beta1", "CronJob", "1.25", True, False),
    ("flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema", "1.26", True, False),
    ("flowcontrol.apiserver.k8s.io/v1beta2", "PriorityLevelConfiguration", "1.28", False,
     True),
    ("flowcontrol.apiserver.k8s.io/v1beta2", "FlowSchema", "1.29", True, False),
    ("flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema", "1.31", False, True),
    ("flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema", "1.32", True, False),
    ("storage.k8s.io/v1beta1", "CSIStorageCapacity", "1.27", True, False),
    ("storage.k8s.io/v1", "CSIStorageCapacity", "1.27", False, False),
    ("v1", "Endpoints", "1.32", False, False),
    ("v1", "Endpoints", "1.35", False, True),
    ("apps/v1", "Deployment", "1.35", False, False),
    ("example.com/v1beta1", "Deployment", "1.35", False, False),
])
def test_pf901_pf902_by_version(  # noqa: PLR0917  # pytest passes parameters by name
        tmp_path: Path, api_version: str, kind: str, kube: str, pf901: bool,
        pf902: bool) -> None:
    files = {"k8s.yaml": "# a comment\n" + obj(api_version, kind)}
    assert hits(tmp_path / "a", files, "PF901", kube_version=kube) == (
        [("k8s.yaml", 2)] if pf901 else [])
    assert hits(tmp_path / "b", files, "PF902", kube_version=kube) == (
        [("k8s.yaml", 2)] if pf902 else [])


def test_default_version_is_the_newest(tmp_path: Path) -> None:
    files = {"a.yaml": CRONJOB, "b.yaml": "---\n" + obj("extensions/v1beta1", "Ingress")}
    assert hits(tmp_path, files, "PF901") == [("a.yaml", 1), ("b.yaml", 2)]


def test_messages_name_replacement_and_versions(tmp_path: Path) -> None:
    files = {"k8s.yaml": obj("networking.k8s.io/v1beta1", "Ingress", "web")}
    [finding] = check_files(tmp_path, files, ("PF901",)).findings
    assert "Ingress 'web' uses the networking.k8s.io/v1beta1 Ingress API, which Kubernetes " \
           "1.22 stopped serving (target: 1.35); use networking.k8s.io/v1 (served since " \
           "1.19)" in finding.message
    assert "pathType" in finding.message
    assert finding.fix is None  # the schema changes: no rename fix
    files = {"k8s.yaml": obj("flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema")}
    [finding] = check_files(tmp_path / "b", files, ("PF902",), kube_version="1.24").findings
    assert "use flowcontrol.apiserver.k8s.io/v1beta2 (served since 1.23" in finding.message
    assert "removed in 1.26" in finding.message
    files = {"k8s.yaml": obj("policy/v1beta1", "PodSecurityPolicy")}
    [finding] = check_files(tmp_path / "c", files, ("PF901",)).findings
    assert "Pod Security Admission" in finding.message
    files = {"k8s.yaml": obj("v1", "Endpoints", "db")}
    [finding] = check_files(tmp_path / "d", files, ("PF902",)).findings
    assert finding.message.startswith(
        "Endpoints 'db' uses the v1 Endpoints API, deprecated since 1.33 (no removal planned); "
        "use discovery.k8s.io/v1 EndpointSlice (served since 1.21)")


def test_rename_fix_in_a_list(tmp_path: Path) -> None:
    text = ("apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n"
            "    metadata:\n      name: c\n  - " + CRONJOB.replace("\n", "\n    ").rstrip()
            + "\n")
    [finding] = check_files(tmp_path, {"list.yaml": text}, ("PF901",)).findings
    assert finding.line == 8
    assert finding.fix is not None
    assert str(finding.fix.safety) == "unsafe"
    after = apply_yaml_edits(text, finding.fix.yaml_edits)
    assert "  - apiVersion: batch/v1\n    kind: CronJob" in after
    assert check_files(tmp_path / "after", {"list.yaml": after}, ("PF901",)).findings == ()


def test_table_is_consistent() -> None:
    for change in API_CHANGES:
        assert change.kinds
        assert change.removed is None or change.deprecated < change.removed
        for api_version, _since in change.replacements:
            assert api_version != change.api_version
        if change.replacements:  # one of them is served before the removal
            assert min(s for _, s in change.replacements) <= (change.removed or 99)
        for kind in change.kinds:
            assert api_change(change.api_version, kind) is change
    assert api_change("apps/v1", "Deployment") is None


# -- PF903 schema validation --------------------------------------------------------------
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  creationTimestamp: 2024-01-01T00:00:00Z
spec:
  replicas: {replicas}
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: registry.example/web:1.0
          ports:
            - containerPort: 8000
              {port_key}: http
          resources:
            limits:
              cpu: 0.5
"""


def test_pf903_reports_each_error_at_its_line(tmp_path: Path) -> None:
    files = {"k8s.yaml": DEPLOYMENT.format(replicas='"2"', port_key="nmae")}
    result = check_files(tmp_path, files, ("PF903",))
    assert [(f.line, f.code) for f in result.findings] == [(7, "PF903"), (21, "PF903")]
    replicas, port = result.findings
    assert ".spec.replicas: '2' is not of type 'integer'" in replicas.message
    assert ".spec.template.spec.containers[0].ports[0].nmae: unknown field 'nmae'" in \
        port.message
    assert "Kubernetes 1.35 schema" in port.message


def test_pf903_valid_object_and_skips(tmp_path: Path) -> None:
    files = {
        "ok.yaml": DEPLOYMENT.format(replicas="2", port_key="name"),
        "crd.yaml": obj("example.com/v1", "Widget", body="spec:\n  anything: [1, 2]\n"),
        "patch.yaml": obj("apps/v1", "Deployment", "web", body=(
            "spec:\n  template:\n    spec:\n      containers:\n        - name: web\n"
            "          resources: {}\n")),
        "templated.yaml": obj("v1", "Service", body="spec:\n  ports:\n    - port: ${PORT}\n"),
    }
    assert hits(tmp_path, files, "PF903") == []


def test_pf903_is_off_unless_selected(tmp_path: Path) -> None:
    files = {"k8s.yaml": DEPLOYMENT.format(replicas='"2"', port_key="nmae")}
    assert not [f for f in check_files(tmp_path, files).findings if f.code == "PF903"]
    assert not [f for f in check_files(tmp_path / "b", files, ("PF9",)).findings
                if f.code == "PF903"]
    assert [f.code for f in check_files(tmp_path / "c", files, ("schema-validation",))
            .findings] == ["PF903", "PF903"]


def test_pf903_uses_the_nearest_shipped_schema(tmp_path: Path) -> None:
    assert schema_version(20) == "1.25.0"
    assert schema_version(30) == "1.30.0"
    assert schema_version(99).startswith("1.3")
    files = {"k8s.yaml": DEPLOYMENT.format(replicas='"2"', port_key="name")}
    [finding] = check_files(tmp_path, files, ("PF903",), kube_version="1.29").findings
    assert "Kubernetes 1.29 schema" in finding.message


def test_schemas_are_not_loaded_unless_pf903_runs(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "k8s.yaml").write_text(DEPLOYMENT.format(replicas="2", port_key="name"))
    code = ("import sys; from podfit.check.engine import run_check; "
            "from podfit.check.settings import CheckSettings; "
            f"run_check([{str(tmp_path)!r}], CheckSettings()); "
            "print('jsonschema' in sys.modules, 'kubernetes_validate' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.split() == ["False", "False"]
