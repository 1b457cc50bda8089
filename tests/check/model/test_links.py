"""The one pod index: every rule that asks which Services or PDBs cover a workload gets the
same answer, counting the labels Kubernetes itself puts on StatefulSet and Job pods.

The StatefulSet tests failed before the model: PF545 and PF510 asked selector indexes that knew
only the pod template's labels, PF406 tested the template's labels object by object."""

from __future__ import annotations

from pathlib import Path

from tests.check.helpers import hits

STATEFUL = """
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: web
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: example/web:1.0
          command: [gunicorn, -w, "2", app:app]
"""

# A per-pod Service, the usual way to address one replica of a StatefulSet.
PER_POD_SERVICE = """
apiVersion: v1
kind: Service
metadata: {name: web-0}
spec:
  type: LoadBalancer
  selector: {statefulset.kubernetes.io/pod-name: web-0}
  ports: [{port: 80, targetPort: 8000}]
"""


def test_per_pod_service_routes_to_its_statefulset(tmp_path: Path) -> None:
    files = {"sts.yaml": STATEFUL, "svc.yaml": PER_POD_SERVICE}
    assert hits(tmp_path, files, "PF601") == []  # the Service selects web-0
    assert hits(tmp_path, files, "PF545") == [("sts.yaml", 13)]  # so it needs a preStop delay
    assert hits(tmp_path, files, "PF510") == [("sts.yaml", 11)]  # and a readiness probe


def test_pdb_on_a_statefulset_pod_covers_it(tmp_path: Path) -> None:
    pdb = """
    apiVersion: policy/v1
    kind: PodDisruptionBudget
    metadata: {name: web-0}
    spec:
      maxUnavailable: 1
      selector: {matchLabels: {statefulset.kubernetes.io/pod-name: web-0}}
    """
    assert hits(tmp_path, {"sts.yaml": STATEFUL, "pdb.yaml": pdb}, "PF406") == []


def test_service_for_a_job_by_job_name(tmp_path: Path) -> None:
    job = """
    apiVersion: batch/v1
    kind: Job
    metadata: {name: migrate}
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: migrate, image: example/web:1.0}]
    """
    service = """
    apiVersion: v1
    kind: Service
    metadata: {name: migrate}
    spec:
      selector: {job-name: migrate}
      ports: [{port: 80}]
    """
    assert hits(tmp_path, {"job.yaml": job, "svc.yaml": service}, "PF601") == []
