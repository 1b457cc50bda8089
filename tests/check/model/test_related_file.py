"""A finding that rests on an object written in another file names that file (issue 15):
overlays repeat names, so the user must see which copy a relation took."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.check.helpers import check_files

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: web:1
          ports: [{name: http, containerPort: 8000}]
"""
HPA = """
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 4
  metrics:
    - type: Resource
      resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}
"""
PDB = """
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app: web}}
"""
SERVICE = """
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 9000}]
"""
INGRESS = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules:
    - http:
        paths:
          - path: /
            pathType: Prefix
            backend: {service: {name: web, port: {number: 8080}}}
"""
MONITOR = """
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  endpoints: [{port: metrics}]
"""
SERVICE_LABELLED = SERVICE.replace("metadata: {name: web}",
                                   "metadata: {name: web, labels: {app: web}}")

CASES = [  # code, the file the finding is on, the related object's file it must name
    ("PF403", {"deploy.yaml": DEPLOYMENT, "hpa.yaml": HPA}, "deploy.yaml", "hpa.yaml"),
    ("PF401", {"deploy.yaml": DEPLOYMENT, "hpa.yaml": HPA}, "hpa.yaml", "deploy.yaml"),
    ("PF409", {"deploy.yaml": DEPLOYMENT, "pdb.yaml": PDB}, "pdb.yaml", "deploy.yaml"),
    ("PF602", {"deploy.yaml": DEPLOYMENT, "svc.yaml": SERVICE}, "svc.yaml", "deploy.yaml"),
    ("PF604", {"svc.yaml": SERVICE, "ingress.yaml": INGRESS}, "ingress.yaml", "svc.yaml"),
    ("PF606", {"svc.yaml": SERVICE_LABELLED, "monitor.yaml": MONITOR}, "monitor.yaml",
     "svc.yaml"),
]


@pytest.mark.parametrize(("code", "files", "reported", "related"), CASES,
                         ids=[c[0] for c in CASES])
def test_the_related_objects_file_is_named(tmp_path: Path, code: str, files: dict[str, str],
                                           reported: str, related: str) -> None:
    result = check_files(tmp_path, files, (code,))
    found = [f for f in result.findings if f.code == code]
    assert len(found) == 1, result
    assert found[0].path == str(tmp_path / reported)
    assert f"(in {tmp_path / related})" in found[0].message


@pytest.mark.parametrize(("code", "files"), [(c[0], c[1]) for c in CASES],
                         ids=[c[0] for c in CASES])
def test_one_file_names_no_file(tmp_path: Path, code: str, files: dict[str, str]) -> None:
    result = check_files(tmp_path, {"all.yaml": "---\n".join(files.values())}, (code,))
    found = [f for f in result.findings if f.code == code]
    assert len(found) == 1, result
    assert "(in " not in found[0].message
