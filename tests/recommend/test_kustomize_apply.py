"""``--apply`` on a Kustomize overlay: a strategic-merge patch per workload, listed under the
overlay's ``patches:``, checked by rendering the result with the real ``kubectl kustomize``."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from podfit.recommend.apply import plan_edits
from podfit.recommend.model import MI, Figure, Recommendation, Resources, WorkloadKey

if shutil.which("kubectl") is None and shutil.which("kustomize") is None:
    pytest.skip("needs kubectl kustomize (scripts/setup.d installs kubectl)",
                allow_module_level=True)

BASE = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: app
        image: example/web:1
        resources:
          requests: {cpu: "1", memory: 1Gi}
          limits: {cpu: "2", memory: 1Gi}
      - name: sidecar
        image: example/proxy:1
"""

OVERLAY = """\
# production overlay: keep this comment
namePrefix: prod-
namespace: shop
resources:
- ../base
patches:
- path: replicas.yaml  # an existing patch stays first
images:
- name: example/web
  newTag: "2"
"""

REPLICAS = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
"""


def _rec(name: str, container: str = "app") -> Recommendation:
    def fig(value: float | None) -> Figure:
        return Figure(value, "test", "high")

    return Recommendation(WorkloadKey("shop", "Deployment", name, container),
                          Resources(1.0, 2.0, 1024 * MI, 1024 * MI), fig(0.25), fig(None),
                          fig(300 * MI), fig(400 * MI), None, 200.0, 5000, 2)


def _tree(tmp: Path) -> Path:
    (tmp / "base").mkdir()
    (tmp / "base" / "deploy.yaml").write_text(BASE, encoding="utf-8")
    (tmp / "base" / "kustomization.yaml").write_text("resources:\n- deploy.yaml\n",
                                                     encoding="utf-8")
    overlay = tmp / "overlay"
    overlay.mkdir()
    (overlay / "kustomization.yaml").write_text(OVERLAY, encoding="utf-8")
    (overlay / "replicas.yaml").write_text(REPLICAS, encoding="utf-8")
    return overlay


def _apply(overlay: Path, recs: list[Recommendation]) -> int:
    plan = plan_edits(recs, [str(overlay)])
    assert not plan.unmatched, plan.unmatched
    for outcome in plan.outcomes:
        Path(outcome.path).write_text(outcome.after, encoding="utf-8")
    return len(plan.outcomes)


def _rendered(overlay: Path) -> dict[str, Any]:
    argv = (["kubectl", "kustomize", str(overlay)] if shutil.which("kubectl")
            else ["kustomize", "build", str(overlay)])
    out = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=120).stdout
    return next(d for d in yaml.safe_load_all(out) if d and d["kind"] == "Deployment")


def test_overlay_gets_a_patch_that_kustomize_applies(tmp_path: Path) -> None:
    overlay = _tree(tmp_path)
    assert _apply(overlay, [_rec("prod-web")]) == 2  # the patch file + kustomization.yaml

    text = (overlay / "kustomization.yaml").read_text(encoding="utf-8")
    assert text.startswith("# production overlay: keep this comment\n")
    assert "- path: replicas.yaml  # an existing patch stays first\n" \
           "- path: podfit-deployment-web.yaml\nimages:" in text
    assert (tmp_path / "base" / "deploy.yaml").read_text(encoding="utf-8") == BASE

    deploy = _rendered(overlay)
    assert deploy["metadata"]["name"] == "prod-web"
    assert deploy["spec"]["replicas"] == 3
    app, sidecar = deploy["spec"]["template"]["spec"]["containers"]
    assert app["image"] == "example/web:2"
    assert app["resources"] == {"requests": {"cpu": "250m", "memory": "300Mi"},
                                "limits": {"memory": "400Mi"}}  # the CPU limit is gone
    assert "resources" not in sidecar

    assert _apply(overlay, [_rec("prod-web")]) == 0  # idempotent: nothing left to write


def test_overlay_without_patches_key_gets_one(tmp_path: Path) -> None:
    overlay = _tree(tmp_path)
    (overlay / "kustomization.yaml").write_text(
        "namePrefix: prod-\nnamespace: shop\nresources:\n- ../base\n", encoding="utf-8")
    _apply(overlay, [_rec("prod-web")])
    assert (overlay / "kustomization.yaml").read_text(encoding="utf-8").endswith(
        "patches:\n- path: podfit-deployment-web.yaml\n")
    assert _rendered(overlay)["spec"]["template"]["spec"]["containers"][0]["resources"][
        "requests"]["cpu"] == "250m"


def test_workload_the_overlay_does_not_build_is_unmatched(tmp_path: Path) -> None:
    overlay = _tree(tmp_path)
    plan = plan_edits([_rec("prod-api")], [str(overlay)])
    assert plan.outcomes == []
    assert plan.unmatched == ["shop/Deployment/prod-api:app: no manifest defines it"]
