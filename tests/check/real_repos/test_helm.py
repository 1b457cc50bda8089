"""Helm charts among the inputs: rendered with the real helm, split back into template files
with template lines; without helm, a skipped notice; unrendered templates recognised."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from podfit.check.inputs import (
    chart_roots,
    looks_templated,
    render_chart,
    split_rendered,
    template_folder_chart,
)

HERE = Path(__file__).parent
APP = HERE / "helm_app"
CHART = APP / "chart"
needs_helm = pytest.mark.skipif(shutil.which("helm") is None,
                                reason="helm not installed (scripts/setup.d/60-helm.sh)")


def test_chart_roots_and_template_folder() -> None:
    assert chart_roots(APP, ()) == [CHART]
    assert chart_roots(APP, ("chart",)) == []
    assert template_folder_chart(CHART / "templates" / "deployment.yaml") == CHART
    assert template_folder_chart(APP / "deploy") is None


def test_templated_files_are_recognised() -> None:
    assert looks_templated((CHART / "templates" / "deployment.yaml").read_text())
    assert looks_templated((APP / "deploy" / "worker-template.yaml").read_text())
    # an alert's "{{ $labels.instance }}" is data inside a string, not a template
    assert not looks_templated((APP / "deploy" / "alerts.yaml").read_text())


@needs_helm
def test_render_maps_back_to_template_files_and_lines() -> None:
    files, skipped = render_chart(CHART, "chart", ("values-prod.yaml",))
    assert skipped is None
    by_path = {f.path: f for f in files}
    assert sorted(by_path) == ["chart/templates/deployment.yaml", "chart/templates/service.yaml"]
    deployment = by_path["chart/templates/deployment.yaml"]
    lines = deployment.text.splitlines()
    assert "  replicas: 3" in lines  # the values file was applied
    def template_line(text: str) -> int:
        return deployment.template_line(lines.index(text) + 1)
    assert template_line("  replicas: 3") == 8
    assert template_line('          image: "ghcr.io/acme/shop-api:2.4.1"') == 19
    assert template_line("            - containerPort: 8000") == 22
    assert template_line("              cpu: 500m") == 24  # from toYaml: the action's line


def test_without_helm_the_chart_is_skipped_with_a_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", os.devnull)
    files, skipped = render_chart(CHART, "chart")
    assert files == []
    assert skipped is not None
    assert skipped.path == "chart"
    assert "helm is not on PATH" in skipped.reason
    assert "helm template chart | podfit check -" in skipped.hint


@needs_helm
def test_a_chart_that_fails_to_render_is_skipped(tmp_path: Path) -> None:
    chart = tmp_path / "broken"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: broken\nversion: 0.1.0\n")
    (chart / "templates" / "cm.yaml").write_text(
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ required "name!" .Values.n }}\n')
    files, skipped = render_chart(chart, "broken")
    assert files == []
    assert skipped is not None
    assert "name!" in skipped.reason


def test_stdin_stream_is_split_by_source_comments() -> None:
    text = ("---\n# Source: app/templates/a.yaml\nkind: A\n---\n# Source: app/templates/b.yaml\n"
            "kind: B\n---\n# Source: app/templates/a.yaml\nkind: A2\n")
    files = split_rendered(text, "charts/app", None)
    assert [(f.path, f.text) for f in files] == [
        ("charts/app/templates/a.yaml", "# Source: app/templates/a.yaml\nkind: A\n---\n"
         "# Source: app/templates/a.yaml\nkind: A2\n"),
        ("charts/app/templates/b.yaml", "# Source: app/templates/b.yaml\nkind: B\n---\n")]


def test_unrendered_templates_are_notices_not_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.check.cli_support import podfit

    run = podfit("check", "--format", "json", "deploy", cwd=APP)
    assert run.code == 0, run  # PF002 is info: no failure, no input error
    import json

    data = json.loads(run.stdout)
    assert data["errors"] == []
    assert [(f["code"], f["path"], f["severity"]) for f in data["findings"]] == [
        ("PF002", "deploy/worker-template.yaml", "info")]
    assert podfit("check", "--exit-zero", "deploy", cwd=APP).code == 0


def test_chart_without_helm_is_never_all_clear(monkeypatch: pytest.MonkeyPatch) -> None:
    from podfit.check.engine import run_check
    from podfit.check.settings import CheckSettings

    monkeypatch.setenv("PATH", os.devnull)
    result = run_check([str(CHART)], CheckSettings())
    assert [(f.code, f.path) for f in result.findings] == [("PF002", str(CHART))]
    assert "helm is not on PATH" in result.findings[0].message


@needs_helm
def test_chart_findings_point_at_template_lines_without_fixes() -> None:
    from podfit.check.engine import run_check
    from podfit.check.settings import CheckSettings

    result = run_check([str(CHART)], CheckSettings(), select=("PF301", "PF545"))
    deployment = str(CHART / "templates" / "deployment.yaml")
    assert sorted((f.code, f.path, f.line) for f in result.findings) == [
        ("PF301", deployment, 23), ("PF545", deployment, 20)]
    assert all(f.fix is None for f in result.findings)  # a fix would edit rendered text


def test_stdin_dockerfile_has_no_build_context() -> None:
    from podfit.check.engine import run_check
    from podfit.check.settings import CheckSettings

    result = run_check(["-"], CheckSettings(), select=("PF113",), stdin_name="Dockerfile",
                       stdin=b"FROM python:3.12-slim\nCOPY . /app\n")
    assert result.findings == ()  # the working directory is not its context
