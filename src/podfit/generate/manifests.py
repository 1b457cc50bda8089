"""Kubernetes objects for a Plan, as plain dicts (the Kustomize base and Helm chart share them)."""

from __future__ import annotations

from typing import Any

from podfit.generate.appconfig import PLACEHOLDER
from podfit.generate.plan import UID, Plan, Probe, Workload

MANAGED_BY = "podfit"
METRICS_DIR = "/run/prometheus"


def labels(plan: Plan, wl: Workload) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": plan.name,
        "app.kubernetes.io/component": wl.role,
    }


def _meta(plan: Plan, wl: Workload, name: str | None = None) -> dict[str, Any]:
    return {"name": name or wl.name,
            "labels": {**labels(plan, wl), "app.kubernetes.io/managed-by": MANAGED_BY}}


def _probe(p: Probe, port: str, number: int | None) -> dict[str, Any]:
    action: dict[str, Any]
    if p.kind == "grpc":  # native gRPC probes take a port number, not a name
        action = {"grpc": {"port": number}}
    elif p.kind == "tcp":
        action = {"tcpSocket": {"port": port}}
    else:
        action = {"httpGet": {"path": p.path, "port": port}}
    return {**action, "periodSeconds": p.period, "timeoutSeconds": p.timeout,
            "failureThreshold": p.failures}


def port_name(wl: Workload) -> str:
    return "grpc" if wl.protocol == "grpc" else "http"


def config_names(plan: Plan) -> tuple[str, str]:
    return f"{plan.name}-config", f"{plan.name}-secrets"


def env_entries(plan: Plan, wl: Workload) -> list[dict[str, Any]]:
    """The Deployment's env: podfit's own values, then every variable the app requires from
    the ConfigMap or the Secret (explicit keys: a missing one fails the pod at start)."""
    env: list[dict[str, Any]] = [{"name": k, "value": v} for k, v in wl.env]
    if plan.runtime:
        env.append({"name": "PROMETHEUS_MULTIPROC_DIR", "value": METRICS_DIR})
    django = plan.config.django
    if django is not None:
        env.append({"name": "DJANGO_SETTINGS_MODULE", "value": django.settings})
    configmap, secret = config_names(plan)
    for var in plan.config.env:
        ref = "secretKeyRef" if var.secret else "configMapKeyRef"
        env.append({"name": var.name, "valueFrom": {ref: {
            "name": secret if var.secret else configmap, "key": var.name}}})
    return env


def config_map(plan: Plan) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": config_names(plan)[0], "labels": _app_labels(plan)},
            "data": {v.name: v.example or PLACEHOLDER for v in plan.config.config_vars}}


def secret(plan: Plan) -> dict[str, Any]:
    # Placeholders only: replace with your secret manager (External Secrets, Sealed
    # Secrets, SOPS) or `kubectl create secret generic` before the first apply.
    return {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": config_names(plan)[1], "labels": _app_labels(plan)},
            "stringData": {v.name: PLACEHOLDER for v in plan.config.secret_vars}}


def _app_labels(plan: Plan) -> dict[str, str]:
    return {"app.kubernetes.io/name": plan.name, "app.kubernetes.io/managed-by": MANAGED_BY}


def _resources(wl: Workload) -> dict[str, Any]:
    limits: dict[str, str] = {"memory": wl.limits_memory}
    if wl.limits_cpu is not None:
        limits = {"cpu": wl.limits_cpu, **limits}
    return {"requests": {"cpu": wl.requests_cpu, "memory": wl.requests_memory},
            "limits": limits}


def deployment(plan: Plan, wl: Workload) -> dict[str, Any]:
    sel = labels(plan, wl)
    container: dict[str, Any] = {
        "name": wl.role if wl.role == "worker" else "app",
        "image": f"{plan.image}:{plan.version}",
        "imagePullPolicy": "IfNotPresent",
    }
    image_cmd = plan.workloads[0].command  # the Dockerfile's CMD
    if wl.command != image_cmd:
        container["args"] = list(wl.command)
    container["env"] = env_entries(plan, wl)
    pname = port_name(wl)
    if wl.port:
        container["ports"] = [{"name": pname, "containerPort": wl.port, "protocol": "TCP"}]
    container["resources"] = _resources(wl)
    if wl.probes:
        container["startupProbe"] = _probe(wl.probes["startup"], pname, wl.port)
        container["readinessProbe"] = _probe(wl.probes["readiness"], pname, wl.port)
        container["livenessProbe"] = _probe(wl.probes["liveness"], pname, wl.port)
    if wl.prestop_seconds:
        container["lifecycle"] = {"preStop": {"exec": {
            "command": ["sleep", str(wl.prestop_seconds)]}}}
    container["securityContext"] = {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "runAsUser": UID,
        "runAsGroup": UID,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    container["volumeMounts"] = [
        {"name": "tmp", "mountPath": "/tmp"},
        {"name": "metrics", "mountPath": METRICS_DIR},
        *({"name": _volume(w.path), "mountPath": f"/app/{w.path}"}
          for w in plan.config.writable),
    ]
    annotations: dict[str, str] = {}
    if wl.port and not plan.prometheus_operator and plan.runtime:
        annotations = {"prometheus.io/scrape": "true", "prometheus.io/port": str(wl.port),
                       "prometheus.io/path": "/metrics"}
    template_meta: dict[str, Any] = {"labels": sel}
    if annotations:
        template_meta["annotations"] = annotations
    spread = [
        {"maxSkew": 1, "topologyKey": key, "whenUnsatisfiable": "ScheduleAnyway",
         "labelSelector": {"matchLabels": sel}}
        for key in ("topology.kubernetes.io/zone", "kubernetes.io/hostname")
    ]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(plan, wl),
        "spec": {
            # No `replicas`: the HPA owns the count (an apply would otherwise reset it).
            "revisionHistoryLimit": 5,
            "selector": {"matchLabels": sel},
            "strategy": {"type": "RollingUpdate",
                         "rollingUpdate": {"maxUnavailable": 0, "maxSurge": "25%"}},
            "template": {
                "metadata": template_meta,
                "spec": {
                    "serviceAccountName": plan.name,
                    "automountServiceAccountToken": False,
                    "enableServiceLinks": False,
                    "terminationGracePeriodSeconds": wl.grace_period,
                    "securityContext": {
                        "runAsNonRoot": True,
                        "runAsUser": UID,
                        "runAsGroup": UID,
                        "fsGroup": UID,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    "topologySpreadConstraints": spread,
                    "containers": [container],
                    "volumes": [
                        {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}},
                        {"name": "metrics", "emptyDir": {"medium": "Memory", "sizeLimit": "16Mi"}},
                        *({"name": _volume(w.path), "emptyDir": {"sizeLimit": "256Mi"}}
                          for w in plan.config.writable),
                    ],
                },
            },
        },
    }


def _volume(path: str) -> str:
    """A DNS-1123 volume name for a writable path."""
    name = "".join(c if c.isalnum() else "-" for c in path.lower()).strip("-")
    return ("data-" + name)[:63].rstrip("-")


def service(plan: Plan, wl: Workload) -> dict[str, Any]:
    pname = port_name(wl)
    port: dict[str, Any] = {"name": pname, "port": 80 if pname == "http" else wl.port,
                            "targetPort": pname, "protocol": "TCP"}
    if pname == "grpc":
        port["appProtocol"] = "grpc"  # tells meshes and ingresses to speak HTTP/2
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(plan, wl),
        "spec": {"type": "ClusterIP", "selector": labels(plan, wl), "ports": [port]},
    }


def migrate_job(plan: Plan) -> dict[str, Any]:
    """``manage.py migrate`` once per release, with the web pod's image, env and limits."""
    web = plan.web or plan.workloads[0]
    pod = deployment(plan, web)["spec"]["template"]["spec"]
    container = dict(pod["containers"][0])
    for key in ("ports", "startupProbe", "readinessProbe", "livenessProbe", "lifecycle"):
        container.pop(key, None)
    container["name"] = "migrate"
    container["args"] = ["python", "manage.py", "migrate", "--noinput"]
    pod = {**pod, "containers": [container], "restartPolicy": "Never"}
    pod.pop("topologySpreadConstraints", None)
    return {"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": f"{plan.name}-migrate",
                         "labels": {**_app_labels(plan), "app.kubernetes.io/component":
                                    "migrate"}},
            "spec": {"backoffLimit": 2, "ttlSecondsAfterFinished": 3600,
                     "template": {"metadata": {"labels": {"app.kubernetes.io/name": plan.name,
                                                          "app.kubernetes.io/component":
                                                          "migrate"}},
                                  "spec": pod}}}


def ingress(plan: Plan, wl: Workload) -> dict[str, Any]:
    spec: dict[str, Any] = {"rules": [{"host": plan.ingress_host, "http": {"paths": [{
        "path": "/", "pathType": "Prefix",
        "backend": {"service": {"name": wl.name, "port": {"name": "http"}}}}]}}]}
    if plan.tls_secret:
        spec["tls"] = [{"hosts": [plan.ingress_host], "secretName": plan.tls_secret}]
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": _meta(plan, wl), "spec": spec}


def hpa(plan: Plan, wl: Workload) -> dict[str, Any]:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": _meta(plan, wl),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": wl.name},
            "minReplicas": wl.hpa_min,
            "maxReplicas": wl.hpa_max,
            "metrics": [{"type": "Resource", "resource": {
                "name": "cpu", "target": {"type": "Utilization",
                                          "averageUtilization": wl.hpa_target}}}],
            "behavior": {
                "scaleDown": {"stabilizationWindowSeconds": wl.scale_down_stabilization,
                              "policies": [{"type": "Percent", "value": 50,
                                            "periodSeconds": 60}]},
                "scaleUp": {"stabilizationWindowSeconds": 0,
                            "policies": [{"type": "Percent", "value": 100,
                                          "periodSeconds": 30}]},
            },
        },
    }


def pdb(plan: Plan, wl: Workload) -> dict[str, Any]:
    # maxUnavailable 1 with minReplicas >= 2: a drain always proceeds, one pod at a time.
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": _meta(plan, wl),
            "spec": {"maxUnavailable": 1, "selector": {"matchLabels": labels(plan, wl)}}}


def service_account(plan: Plan) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": {"name": plan.name, "labels": {
                "app.kubernetes.io/name": plan.name, "app.kubernetes.io/managed-by": MANAGED_BY}},
            "automountServiceAccountToken": False}


def service_monitor(plan: Plan, wl: Workload) -> dict[str, Any]:
    return {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
            "metadata": _meta(plan, wl),
            "spec": {"selector": {"matchLabels": labels(plan, wl)},
                     "endpoints": [{"port": "http", "path": "/metrics", "interval": "30s"}]}}


def objects(plan: Plan) -> dict[str, dict[str, Any]]:
    """File name (without directory) -> object, in a stable order."""
    out: dict[str, dict[str, Any]] = {"serviceaccount.yaml": service_account(plan)}
    if plan.config.config_vars:
        out["configmap.yaml"] = config_map(plan)
    if plan.config.secret_vars:
        out["secret.yaml"] = secret(plan)
    for wl in plan.workloads:
        prefix = "" if wl.role == "web" else "worker-"
        out[f"{prefix}deployment.yaml"] = deployment(plan, wl)
        if wl.port:
            out["service.yaml"] = service(plan, wl)
            if plan.ingress_host:
                out["ingress.yaml"] = ingress(plan, wl)
            if plan.prometheus_operator:
                out["servicemonitor.yaml"] = service_monitor(plan, wl)
        out[f"{prefix}hpa.yaml"] = hpa(plan, wl)
        out[f"{prefix}pdb.yaml"] = pdb(plan, wl)
    if plan.config.django is not None and plan.config.django.migrations:
        out["migrate-job.yaml"] = migrate_job(plan)
    return out
