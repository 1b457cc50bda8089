"""Repeated overlays stay apart (issue 15): ten copies of a project give ten times the
findings of one copy, each about its own files, and a name defined in one overlay is never
satisfied by another overlay's object."""

from __future__ import annotations

import collections
import textwrap
from pathlib import Path

from podfit.check.engine import run_check
from podfit.check.model.scope import Scope
from podfit.check.settings import CheckSettings

APP = {
    "Dockerfile": """
        FROM python:3.12-slim
        COPY . /app
        CMD ["gunicorn", "-w", "4", "app:app"]
    """,
    "gunicorn.conf.py": "workers = 8\n",
    "k8s/deploy.yaml": """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: shop}
        spec:
          replicas: 2
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              containers:
                - name: web
                  image: shop/web:1.0
                  resources: {limits: {cpu: 500m, memory: 256Mi}}
    """,
    "k8s/service.yaml": """
        apiVersion: v1
        kind: Service
        metadata: {name: web, namespace: shop}
        spec:
          type: LoadBalancer
          selector: {app: web}
          ports: [{port: 80, targetPort: 8000}]
    """,
    "k8s/hpa.yaml": """
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata: {name: web, namespace: shop}
        spec:
          scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
          minReplicas: 1
          maxReplicas: 5
    """,
    "k8s/pdb.yaml": """
        apiVersion: policy/v1
        kind: PodDisruptionBudget
        metadata: {name: web, namespace: shop}
        spec:
          minAvailable: 2
          selector: {matchLabels: {app: web}}
    """,
}


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def _findings(root: Path) -> collections.Counter[tuple[str, str, str, int, str]]:
    """(copy, code, file inside the copy, line, message without the copy's path)."""
    result = run_check([str(root)], CheckSettings())
    assert not result.errors, result.errors
    found: collections.Counter[tuple[str, str, str, int, str]] = collections.Counter()
    for f in result.findings:
        rel = Path(f.path).relative_to(root)
        copy = rel.parts[0] if len(rel.parts) > 1 and rel.parts[0].startswith("env-") else ""
        inner = str(Path(*rel.parts[1:])) if copy else str(rel)
        # a related object's file is named (under the root): each copy must name its own
        message = f.message.replace(f"{root}/", "")
        message = message.replace(f"{copy}/", "") if copy else message
        found[(copy, f.code, inner, f.line, message)] += 1
    return found


def test_copies_give_the_findings_of_one_copy_each(tmp_path: Path) -> None:
    single = tmp_path / "single"
    _write(single, APP)
    one = _findings(single)
    assert one, "the sample project has findings to compare"
    many = tmp_path / "many"
    for index in range(4):
        _write(many / f"env-{index}", APP)
    per_copy: dict[str, collections.Counter[tuple[str, str, int, str]]] = {}
    for (copy, *rest), count in _findings(many).items():
        per_copy.setdefault(copy, collections.Counter())[tuple(rest)] += count  # type: ignore[index]
    expected = collections.Counter({tuple(rest): n for (_, *rest), n in one.items()})
    assert sorted(per_copy) == [f"env-{i}" for i in range(4)]
    for copy, found in per_copy.items():
        assert found == expected, copy


def test_an_overlay_does_not_select_another_overlays_pods(tmp_path: Path) -> None:
    files = {f"overlays/{env}/{name}": text for env in ("dev", "prod")
             for name, text in APP.items() if name.startswith("k8s/")}
    # dev runs another Deployment and lacks web: prod's web must not stand in for it
    files["overlays/dev/k8s/deploy.yaml"] = APP["k8s/deploy.yaml"].replace("web", "api")
    _write(tmp_path, files)
    result = run_check([str(tmp_path)], CheckSettings(), select=("PF601", "PF402"))
    found = sorted((f.code, str(Path(f.path).relative_to(tmp_path))) for f in result.findings)
    assert found == [("PF402", "overlays/dev/k8s/hpa.yaml"),
                     ("PF601", "overlays/dev/k8s/service.yaml")]


def test_unit_rule() -> None:
    identities = [("a/base/d.yaml", ("Deployment", "", "web")),
                  ("a/overlays/dev/d.yaml", ("Deployment", "", "web")),
                  ("a/overlays/prod/d.yaml", ("Deployment", "", "web")),
                  ("a/overlays/prod/s.yaml", ("Service", "", "web")),
                  ("b/x.yaml", ("Service", "", "other"))]
    scope = Scope.of(identities, ["a/Dockerfile"])
    assert scope.unit("a/base/d.yaml") == ("a", "base")
    assert scope.unit("a/overlays/prod/s.yaml") == ("a", "overlays", "prod")
    assert scope.unit("b/x.yaml") == ("b",)  # "b" repeats nothing, but the root clashes
    assert scope.unit("a/Dockerfile") == ("a",)
    # a file above a unit serves it; a sibling unit's file does not
    assert scope.sees(("a", "overlays", "dev"), "a/Dockerfile")
    assert not scope.sees(("a", "overlays", "dev"), "a/overlays/prod/Dockerfile")


def test_one_project_is_one_unit() -> None:
    scope = Scope.of([("k8s/d.yaml", ("Deployment", "", "web")),
                      ("k8s/app/s.yaml", ("Service", "", "web"))], ["Dockerfile"])
    assert scope.unit("k8s/d.yaml") == scope.unit("k8s/app/s.yaml") == ()
