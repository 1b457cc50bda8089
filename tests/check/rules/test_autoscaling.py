"""Fixtures for autoscaling rules (PF4xx): HPAs, their targets and PodDisruptionBudgets."""

from __future__ import annotations

from pathlib import Path

import pytest

from podfit.check.fixer import apply_yaml_edits
from podfit.core.models import FixSafety
from tests.check.helpers import check_files, hits


def workload(name: str = "web", *, kind: str = "Deployment", namespace: str = "",
             replicas: int | None = None, resources: str = "",
             sidecar: bool = False) -> str:
    """A workload of 11 lines + "---" (+1 with replicas, +1 with resources, +2 with a sidecar)."""
    ns = f", namespace: {namespace}" if namespace else ""
    lines = ["apiVersion: apps/v1", f"kind: {kind}", f"metadata: {{name: {name}{ns}}}",
             "spec:"]
    if replicas is not None:
        lines.append(f"  replicas: {replicas}")
    lines += [f"  selector: {{matchLabels: {{app: {name}}}}}", "  template:",
              f"    metadata: {{labels: {{app: {name}}}}}", "    spec:", "      containers:",
              "        - name: app", "          image: registry.example/web:1"]
    if resources:
        lines.append(f"          resources: {resources}")
    if sidecar:
        lines += ["        - name: proxy", "          image: registry.example/proxy:1"]
    return "\n".join(lines) + "\n---\n"


REQUESTS = "{requests: {cpu: 250m, memory: 256Mi}}"

HPA_V2 = """\
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 10
  metrics:
    - type: Resource
      resource:
        name: cpu
        target: {type: Utilization, averageUtilization: 70}
"""  # the metric item is on line 9 of this document

HPA_V1 = """\
apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 10
  targetCPUUtilizationPercentage: 60
"""


def _metric(body: str) -> str:
    return HPA_V2.replace("""\
    - type: Resource
      resource:
        name: cpu
        target: {type: Utilization, averageUtilization: 70}
""", body)


CONTAINER_METRIC = """\
    - type: ContainerResource
      containerResource:
        name: cpu
        container: %s
        target: {type: Utilization, averageUtilization: 60}
"""

# line offset of the next document after a workload() without options
W = 12


@pytest.mark.parametrize(("files", "expected"), [
    (workload() + HPA_V2, [W + 9]),
    (workload(resources=REQUESTS) + HPA_V2, []),
    (workload(resources="{limits: {cpu: 500m}}") + HPA_V2, []),  # request defaults to limit
    (workload(resources="{requests: {cpu: 250m}}") + _metric(
        "    - type: Resource\n      resource:\n        name: memory\n"
        "        target: {type: Utilization, averageUtilization: 80}\n"), [W + 1 + 9]),
    (workload() + _metric(
        "    - type: Resource\n      resource:\n        name: cpu\n"
        "        target: {type: AverageValue, averageValue: 500m}\n"), []),
    (workload() + _metric("    - type: Pods\n      pods: {metric: {name: rps}}\n"), []),
    (workload() + HPA_V1, [W + 8]),
    (workload() + HPA_V1.replace("  targetCPUUtilizationPercentage: 60\n", ""), [W + 4]),
    (workload() + HPA_V2.split("  metrics:", maxsplit=1)[0], [W + 4]),  # no metrics: CPU at 80 %
    (workload() + HPA_V2.replace("autoscaling/v2", "autoscaling/v2beta1").replace(
        "target: {type: Utilization, averageUtilization: 70}", "targetAverageUtilization: 70"),
     [W + 9]),
    (workload(resources=REQUESTS, sidecar=True) + HPA_V2, [W + 3 + 9]),  # sidecar lacks it
    (workload(resources=REQUESTS, sidecar=True) + _metric(CONTAINER_METRIC % "app"), []),
    (workload(resources=REQUESTS, sidecar=True) + _metric(CONTAINER_METRIC % "proxy"),
     [W + 3 + 9]),
    (workload(resources=REQUESTS) + _metric(CONTAINER_METRIC % "nope"), [W + 1 + 9]),
    (HPA_V2, []),  # no target among the inputs: PF402's business
    (workload(namespace="a") + HPA_V2.replace("{name: web}", "{name: web, namespace: b}"), []),
    (workload(namespace="a") + HPA_V2.replace("{name: web}", "{name: web, namespace: a}"),
     [W + 9]),
    (workload(namespace="a") + HPA_V2 + "---\napiVersion: v1\nkind: LimitRange\n"
     "metadata: {name: d, namespace: a}\nspec:\n  limits:\n    - default: {cpu: 500m}\n", []),
])
def test_pf401_hpa_utilization_without_request(tmp_path: Path, files: str,
                                               expected: list[int]) -> None:
    found = hits(tmp_path, {"k8s.yaml": files}, "PF401")
    assert found == [("k8s.yaml", n) for n in expected]


def test_pf401_in_list_names_all_containers(tmp_path: Path) -> None:
    manifest = """\
apiVersion: v1
kind: List
items:
  - apiVersion: apps/v1
    kind: StatefulSet
    metadata: {name: web}
    spec:
      template:
        spec:
          containers:
            - {name: app, image: registry.example/web:1}
            - {name: proxy, image: registry.example/proxy:1}
  - apiVersion: autoscaling/v2
    kind: HorizontalPodAutoscaler
    metadata: {name: web}
    spec:
      scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: web}
      maxReplicas: 4
      metrics:
        - type: Resource
          resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}
"""
    (finding,) = check_files(tmp_path, {"k8s.yaml": manifest}, ("PF401",)).findings
    assert finding.line == 20
    assert "containers 'app', 'proxy' have no cpu request" in finding.message
    assert "HorizontalPodAutoscaler/web scales on cpu utilization (50 %)" in finding.message


HPA_TO = """\
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web%s}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: %s
    name: %s
  minReplicas: 2
  maxReplicas: 5
"""


@pytest.mark.parametrize(("files", "expected"), [
    (workload() + HPA_TO % ("", "Deployment", "web-app"), [W + 8]),
    (workload() + HPA_TO % ("", "Deployment", "web"), []),
    (HPA_TO % ("", "Deployment", "web"), []),  # alone: maybe split across folders
    ("apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {selector: {app: web}}\n"
     "---\n" + HPA_TO % ("", "Deployment", "web"), []),
    (workload() + HPA_TO % ("", "StatefulSet", "web"), []),  # no StatefulSet here at all
    (workload(kind="StatefulSet") + HPA_TO % ("", "StatefulSet", "wbe"), [W + 8]),
    (workload(namespace="b") + HPA_TO % (", namespace: a", "Deployment", "web"), []),
    (workload("other", namespace="a") + workload(namespace="b")
     + HPA_TO % (", namespace: a", "Deployment", "web"), [2 * W + 8]),
    (workload(namespace="a") + HPA_TO % ("", "Deployment", "web"), []),  # no namespace: any
])
def test_pf402_hpa_target_missing(tmp_path: Path, files: str, expected: list[int]) -> None:
    assert hits(tmp_path, {"k8s.yaml": files}, "PF402") == [("k8s.yaml", n) for n in expected]


def test_pf402_suggests_the_closest_name(tmp_path: Path) -> None:
    files = workload() + workload("worker") + HPA_TO % ("", "Deployment", "webb")
    (finding,) = check_files(tmp_path, {"k8s.yaml": files}, ("PF402",)).findings
    assert "targets Deployment/webb" in finding.message
    assert "did you mean 'web'?" in finding.message


@pytest.mark.parametrize(("files", "expected"), [
    (workload(replicas=3) + HPA_V2, [5]),
    (workload() + HPA_V2, []),
    (workload(replicas=3), []),
    (workload(replicas=3, namespace="a")
     + HPA_V2.replace("{name: web}", "{name: web, namespace: b}"), []),
    (workload(replicas=2, kind="StatefulSet") + HPA_TO % ("", "StatefulSet", "web"), [5]),
    (workload(replicas=2, kind="StatefulSet") + HPA_TO % ("", "Deployment", "web"), []),
])
def test_pf403_hpa_managed_replicas(tmp_path: Path, files: str, expected: list[int]) -> None:
    assert hits(tmp_path, {"k8s.yaml": files}, "PF403") == [("k8s.yaml", n) for n in expected]


@pytest.mark.parametrize(("hpa", "expected"), [
    (HPA_V2, []),
    (HPA_V2.replace("  minReplicas: 2\n", ""), [4]),
    (HPA_V2.replace("minReplicas: 2", "minReplicas: 1"), [6]),
    (HPA_V1.replace("minReplicas: 2", "minReplicas: 1"), [6]),
    (HPA_V2.replace("minReplicas: 2", "minReplicas: 0"), []),  # scale to zero: deliberate
    (HPA_V2.replace("minReplicas: 2", "minReplicas: ${MIN}"), []),
])
def test_pf404_hpa_single_replica(tmp_path: Path, hpa: str, expected: list[int]) -> None:
    assert hits(tmp_path, {"hpa.yaml": hpa}, "PF404") == [("hpa.yaml", n) for n in expected]


def test_pf404_fix_sets_two_unless_max_forbids(tmp_path: Path) -> None:
    hpa = HPA_V2.replace("minReplicas: 2", "minReplicas: 1")
    (finding,) = check_files(tmp_path, {"hpa.yaml": hpa}, ("PF404",)).findings
    assert finding.fix is not None
    assert finding.fix.safety is FixSafety.UNSAFE
    fixed = apply_yaml_edits(hpa, finding.fix.yaml_edits)
    assert "  minReplicas: 2\n" in fixed
    assert hits(tmp_path, {"hpa.yaml": fixed}, "PF404") == []
    hpa = HPA_V2.replace("  minReplicas: 2\n", "").replace("maxReplicas: 10", "maxReplicas: 1")
    (finding,) = check_files(tmp_path, {"hpa.yaml": hpa}, ("PF404",)).findings
    assert finding.fix is None


@pytest.mark.parametrize(("hpa", "expected"), [
    (HPA_V2, []),
    (HPA_V2.replace("maxReplicas: 10", "maxReplicas: 2"), [7]),
    (HPA_V2.replace("maxReplicas: 10", "maxReplicas: 1"), [7]),
    (HPA_V2.replace("  minReplicas: 2\n", "").replace("maxReplicas: 10", "maxReplicas: 1"),
     [6]),
    (HPA_V2.replace("  minReplicas: 2\n", "").replace("maxReplicas: 10", "maxReplicas: 2"), []),
    (HPA_V1.replace("maxReplicas: 10", "maxReplicas: 2"), [7]),
    (HPA_V2.replace("maxReplicas: 10", 'maxReplicas: "{{ .Values.max }}"'), []),
])
def test_pf405_hpa_max_not_above_min(tmp_path: Path, hpa: str, expected: list[int]) -> None:
    assert hits(tmp_path, {"hpa.yaml": hpa}, "PF405") == [("hpa.yaml", n) for n in expected]


PDB = """\
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web%s}
spec:
  %s
  selector:
    matchLabels: {app: %s}
"""


@pytest.mark.parametrize(("files", "expected"), [
    (workload() + PDB % ("", "maxUnavailable: 1", "website"), [W + 6]),
    (workload() + PDB % ("", "maxUnavailable: 1", "web"), []),
    (PDB % ("", "maxUnavailable: 1", "website"), []),  # nothing to compare with
    (workload() + (PDB % ("", "maxUnavailable: 1", "web")).replace(
        "  selector:\n    matchLabels: {app: web}\n", "  selector: {}\n"), []),  # all pods
    (workload() + (PDB % ("", "maxUnavailable: 1", "web")).replace(
        "  selector:\n    matchLabels: {app: web}\n", ""), [W + 4]),  # no selector: none
    (workload(namespace="a") + PDB % (", namespace: b", "maxUnavailable: 1", "web"), []),
    (workload(namespace="a") + workload("db", namespace="b")
     + PDB % (", namespace: b", "maxUnavailable: 1", "web"), [2 * W + 6]),
    (workload() + (PDB % ("", "maxUnavailable: 1", "web")).replace(
        "matchLabels: {app: web}", "matchExpressions: [{key: app, operator: In, values: [web]}]"),
     []),
])
def test_pf406_pdb_selects_no_pods(tmp_path: Path, files: str, expected: list[int]) -> None:
    assert hits(tmp_path, {"k8s.yaml": files}, "PF406") == [("k8s.yaml", n) for n in expected]


HPA_MIN = HPA_V2.replace("minReplicas: 2", "minReplicas: %d") + "---\n"


@pytest.mark.parametrize(("files", "expected"), [
    (PDB % ("", "maxUnavailable: 0", "web"), [5]),  # always, with or without workloads
    (PDB % ("", 'maxUnavailable: "0%"', "web"), [5]),
    (PDB % ("", "maxUnavailable: 1", "web"), []),
    (PDB % ("", 'minAvailable: "100%"', "web"), [5]),
    (PDB % ("", "minAvailable: 1", "web"), []),  # no workload: unknown size
    (workload() + PDB % ("", "minAvailable: 1", "web"), [W + 5]),  # replicas default 1
    (workload(replicas=3) + PDB % ("", "minAvailable: 2", "web"), []),
    (workload(replicas=3) + PDB % ("", "minAvailable: 3", "web"), [W + 1 + 5]),
    (workload(replicas=1) + PDB % ("", 'minAvailable: "50%"', "web"), [W + 1 + 5]),
    (workload(replicas=2) + PDB % ("", 'minAvailable: "50%"', "web"), []),
    (workload(replicas=3) + PDB % ("", 'minAvailable: "67%"', "web"), [W + 1 + 5]),
    (workload() + HPA_MIN % 2 + PDB % ("", "minAvailable: 2", "web"), [W + 13 + 5]),
    (workload() + HPA_MIN % 3 + PDB % ("", "minAvailable: 2", "web"), []),
    (workload(replicas=5) + HPA_MIN % 2 + PDB % ("", "minAvailable: 2", "web"),
     [W + 1 + 13 + 5]),  # the HPA's floor counts, not replicas
    (workload() + HPA_V1.replace("minReplicas: 2", "minReplicas: 1") + "---\n"
     + PDB % ("", "minAvailable: 1", "web"), [W + 9 + 5]),
    (workload() + workload("web2").replace("app: web2", "app: web")
     + PDB % ("", "minAvailable: 1", "web"), []),  # two workloads, one pod each
    (workload(kind="DaemonSet") + PDB % ("", "minAvailable: 1", "web"), []),
])
def test_pf407_pdb_blocks_drain(tmp_path: Path, files: str, expected: list[int]) -> None:
    assert hits(tmp_path, {"k8s.yaml": files}, "PF407") == [("k8s.yaml", n) for n in expected]


def test_pf407_message_explains_the_floor(tmp_path: Path) -> None:
    files = workload() + HPA_MIN % 2 + PDB % ("", "minAvailable: 2", "web")
    (finding,) = check_files(tmp_path, {"k8s.yaml": files}, ("PF407",)).findings
    assert "PodDisruptionBudget/web requires minAvailable 2 (2 pods)" in finding.message
    assert "Deployment/web HorizontalPodAutoscaler/web minReplicas 2" in finding.message


CORPUS = Path("/work/shared/corpus/k8s")


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared manifest corpus is not here")
def test_corpus_does_not_crash_resource_autoscaling_and_probe_rules() -> None:
    import dataclasses

    from podfit.check.engine import build_project, collect
    from podfit.check.registry import load_rules
    from podfit.check.settings import CheckSettings
    from podfit.core.policy import CpuLimitPolicy

    sources, _, contexts = collect([str(CORPUS)], CheckSettings())
    model, _ = build_project(sources, CheckSettings(), contexts)
    ours = [r for r in load_rules() if r.rule.code.startswith(("PF2", "PF4", "PF51"))]
    assert len(ours) == 19  # PF408 and PF409 joined
    for policy in CpuLimitPolicy:
        # the model is frozen: a copy with other settings (the indexes are shared)
        variant = dataclasses.replace(model, settings=CheckSettings(cpu_limit_policy=policy))
        found = {r.rule.code: sum(1 for _ in r.check(variant)) for r in ours if r.check}
        assert all(found[code] for code in ("PF201", "PF205", "PF401", "PF510")), found
