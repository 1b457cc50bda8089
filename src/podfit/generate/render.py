"""Render a Plan into files: path relative to the project root -> text."""

from __future__ import annotations

from typing import Any

from podfit.generate import manifests
from podfit.generate.dashboard import render_dashboard
from podfit.generate.dockerfile import render_dockerfile, render_dockerignore
from podfit.generate.helm import render_chart
from podfit.generate.plan import Plan
from podfit.generate.serverconf import render_gunicorn_conf
from podfit.generate.vendor import runtime_files
from podfit.generate.yamlout import dump_yaml

K8S_DIR = "deploy/k8s"
HEADER = "# Written by `podfit init`; `podfit init --explain` gives the reason for each value.\n"


def kustomization(plan: Plan, resources: list[str]) -> dict[str, Any]:
    return {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": resources,
        # Retag per environment in an overlay: `images: [{name: ..., newTag: ...}]`.
        "images": [{"name": plan.image, "newTag": plan.version}],
        "configMapGenerator": [{
            "name": f"{plan.name}-dashboard",
            "files": ["dashboard.json"],
            "options": {"disableNameSuffixHash": True,
                        "labels": {"grafana_dashboard": "1",
                                   "app.kubernetes.io/name": plan.name}},
        }],
    }


def render(plan: Plan) -> dict[str, str]:
    # A workspace member builds from the workspace root: the .dockerignore belongs there.
    context = "../" * (plan.member.count("/") + 1) if plan.member else ""
    files = {"Dockerfile": render_dockerfile(plan),
             f"{context}.dockerignore": render_dockerignore(plan)}
    conf = render_gunicorn_conf(plan)
    if conf is not None:
        files["gunicorn.conf.py"] = conf
    objects = manifests.objects(plan)
    for name, obj in objects.items():
        files[f"{K8S_DIR}/{name}"] = HEADER + dump_yaml(obj)
    files[f"{K8S_DIR}/kustomization.yaml"] = HEADER + dump_yaml(kustomization(plan, list(objects)))
    files[f"{K8S_DIR}/dashboard.json"] = render_dashboard(plan)
    if plan.helm:
        files.update(render_chart(plan))
    if plan.runtime:
        files.update(runtime_files())
    return files
