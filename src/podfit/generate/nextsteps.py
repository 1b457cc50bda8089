"""What to do after ``podfit init``: the build command with its secrets, the values to fill
in, how to apply. Plain lines; the CLI prints them."""

from __future__ import annotations

from podfit.generate.helm import CHART_DIR
from podfit.generate.plan import Plan

K8S_DIR = "deploy/k8s"


def next_steps(plan: Plan) -> list[str]:
    steps: list[str] = []
    member = plan.member
    context = "../" * (member.count("/") + 1) if member else "."
    dockerfile = f" -f {member}/Dockerfile" if member else ""
    where = f"cd {context} && " if member else ""
    steps.append(f"build:   {where}DOCKER_BUILDKIT=1 docker build{dockerfile} -t "
                 f"{plan.image}:{plan.version} .")
    steps.append("         behind a TLS-inspecting proxy add --secret id=ca,src=<ca-bundle.pem>;"
                 " a private index: --secret id=pipconf,src=pip.conf --secret id=netrc,src=.netrc")
    config = plan.config
    if config.config_vars:
        steps.append(f"fill in: {K8S_DIR}/configmap.yaml: "
                     + ", ".join(v.name for v in config.config_vars))
    if config.secret_vars:
        steps.append(f"secrets: {K8S_DIR}/secret.yaml holds placeholders for "
                     + ", ".join(v.name for v in config.secret_vars)
                     + " (replace them, or create the Secret from your secret manager)")
    for warning in config.warnings:
        steps.append(f"warning: {warning}")
    steps.append(f"push:    docker push {plan.image}:{plan.version} (or set `images:` in "
                 f"{K8S_DIR}/kustomization.yaml to your registry)")
    if config.django is not None and config.django.migrations:
        steps.append(f"migrate: {K8S_DIR}/migrate-job.yaml runs `manage.py migrate`; delete the "
                     "finished Job before the next release's apply")
    steps.append(f"deploy:  kubectl apply -k {K8S_DIR}")
    if plan.helm:
        secrets = "".join(f" --set-string secrets.{v.name}=..." for v in config.secret_vars)
        steps.append(f"   or:   helm install {plan.name} {CHART_DIR}{secrets}")
    steps.append("size it: podfit profile, then podfit init --from-profile <results.json>")
    return steps
