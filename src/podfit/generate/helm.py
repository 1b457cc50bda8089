"""A Helm chart equivalent to the Kustomize base: the same objects, with values for what varies
between releases (image, sizes, autoscaling, ingress, ServiceMonitor)."""

from __future__ import annotations

import copy
import re
from typing import Any

from podfit.generate import manifests
from podfit.generate.appconfig import PLACEHOLDER
from podfit.generate.plan import Plan, Workload
from podfit.generate.yamlout import dump_yaml

CHART_DIR = "deploy/chart"


def _dump(obj: Any) -> str:
    return dump_yaml(obj)


def _values(plan: Plan) -> dict[str, Any]:
    values: dict[str, Any] = {"image": {"repository": plan.image, "tag": plan.version,
                                        "pullPolicy": "IfNotPresent"}}
    for wl in plan.workloads:
        limits: dict[str, Any] = {"memory": wl.limits_memory}
        if wl.limits_cpu:
            limits["cpu"] = wl.limits_cpu
        values[wl.role] = {
            "resources": {"requests": {"cpu": wl.requests_cpu, "memory": wl.requests_memory},
                          "limits": limits},
            "autoscaling": {"minReplicas": wl.hpa_min, "maxReplicas": wl.hpa_max,
                            "targetCPUUtilizationPercentage": wl.hpa_target},
        }
    if plan.config.config_vars:
        values["config"] = {v.name: v.example or PLACEHOLDER for v in plan.config.config_vars}
    if plan.config.secret_vars:
        # Placeholders: pass real values with --set-string secrets.NAME=... or -f secrets.yaml
        values["secrets"] = {v.name: PLACEHOLDER for v in plan.config.secret_vars}
    values["ingress"] = {"enabled": bool(plan.ingress_host),
                         "host": plan.ingress_host or "app.example.com",
                         "tlsSecret": plan.tls_secret or ""}
    values["serviceMonitor"] = {"enabled": plan.prometheus_operator}
    return values


def _template_workload(obj: dict[str, Any], wl: Workload) -> dict[str, Any]:
    obj = copy.deepcopy(obj)
    if obj["kind"] == "Job":
        container = obj["spec"]["template"]["spec"]["containers"][0]
        container["image"] = "HELMIMAGE"
        container["imagePullPolicy"] = "HELMPULL"
        container["resources"] = f"HELMRESOURCES_{wl.role}"
        # after the ConfigMap and Secret exist on install; before the new pods on upgrade
        obj["metadata"]["annotations"] = {
            "helm.sh/hook": "post-install,pre-upgrade",
            "helm.sh/hook-delete-policy": "before-hook-creation,hook-succeeded"}
    elif obj["kind"] == "ConfigMap" and obj["metadata"]["name"].endswith("-config"):
        obj["data"] = "HELMCONFIG"
    elif obj["kind"] == "Secret":
        obj["stringData"] = "HELMSECRETS"
    if obj["kind"] == "Deployment":
        container = obj["spec"]["template"]["spec"]["containers"][0]
        container["image"] = "HELMIMAGE"
        container["imagePullPolicy"] = "HELMPULL"
        container["resources"] = f"HELMRESOURCES_{wl.role}"
    elif obj["kind"] == "HorizontalPodAutoscaler":
        obj["spec"]["minReplicas"] = f"HELMMIN_{wl.role}"
        obj["spec"]["maxReplicas"] = f"HELMMAX_{wl.role}"
        target = obj["spec"]["metrics"][0]["resource"]["target"]
        target["averageUtilization"] = f"HELMTARGET_{wl.role}"
    return obj


def _substitute(text: str) -> str:
    text = text.replace(
        "HELMIMAGE", '"{{ .Values.image.repository }}:{{ .Values.image.tag | default '
        '.Chart.AppVersion }}"')
    text = text.replace("HELMPULL", "{{ .Values.image.pullPolicy }}")
    text = re.sub(r"^(\s*)(data|stringData): HELM(CONFIG|SECRETS)$",
                  lambda m: f"{m.group(1)}{m.group(2)}:\n{m.group(1)}  {{{{- toYaml .Values."
                  f"{'config' if m.group(3) == 'CONFIG' else 'secrets'} | nindent "
                  f"{len(m.group(1)) + 2} }}}}", text, flags=re.M)
    text = re.sub(r"^(\s*)resources: HELMRESOURCES_(\w+)$",
                  lambda m: f"{m.group(1)}resources:\n{m.group(1)}  "
                  f"{{{{- toYaml .Values.{m.group(2)}.resources | nindent "
                  f"{len(m.group(1)) + 2} }}}}", text, flags=re.M)
    for key, field in (("MIN", "minReplicas"), ("MAX", "maxReplicas"),
                       ("TARGET", "targetCPUUtilizationPercentage")):
        text = re.sub(rf"HELM{key}_(\w+)", rf"{{{{ .Values.\1.autoscaling.{field} }}}}", text)
    return text


def render_chart(plan: Plan) -> dict[str, str]:
    files: dict[str, str] = {}
    chart = {"apiVersion": "v2", "name": plan.name, "description":
             f"{plan.name}: written by podfit init", "type": "application",
             "version": "0.1.0", "appVersion": plan.version}
    files[f"{CHART_DIR}/Chart.yaml"] = _dump(chart)
    files[f"{CHART_DIR}/values.yaml"] = ("# Written by `podfit init`; sizes come from the Plan "
                                         "(`podfit init --explain`).\n" + _dump(_values(plan)))
    files[f"{CHART_DIR}/.helmignore"] = "*.orig\n*.tmp\n.git/\n"
    by_role = {wl.role: wl for wl in plan.workloads}
    for name, obj in manifests.objects(plan).items():
        role = obj["metadata"].get("labels", {}).get("app.kubernetes.io/component", "web")
        wl = by_role.get(role, plan.workloads[0])
        text = _substitute(_dump(_template_workload(obj, wl)))
        if obj["kind"] == "ServiceMonitor":
            continue
        files[f"{CHART_DIR}/templates/{name}"] = text
    web = plan.web
    if web is not None and web.port:
        ingress = copy.deepcopy(manifests.ingress(plan, web))
        ingress["spec"]["rules"][0]["host"] = "HELMHOST"
        ingress["spec"]["tls"] = [{"hosts": ["HELMHOST"], "secretName": "HELMTLS"}]
        text = _dump(ingress).replace("HELMHOST", "{{ .Values.ingress.host | quote }}")
        text = text.replace("tls:\n", "{{- if .Values.ingress.tlsSecret }}\n  tls:\n", 1)
        text = text.replace("HELMTLS", "{{ .Values.ingress.tlsSecret | quote }}")
        text = text.rstrip("\n") + "\n{{- end }}\n"
        files[f"{CHART_DIR}/templates/ingress.yaml"] = (
            "{{- if .Values.ingress.enabled }}\n" + text + "{{- end }}\n")
        monitor = _dump(manifests.service_monitor(plan, web))
        files[f"{CHART_DIR}/templates/servicemonitor.yaml"] = (
            "{{- if .Values.serviceMonitor.enabled }}\n" + monitor + "{{- end }}\n")
    return files
