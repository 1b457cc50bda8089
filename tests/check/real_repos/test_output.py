"""Text output styles (ruff's full and concise), the optional ``links`` JSON field, and the
exit code of info-only runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from podfit.core.models import CheckResult, Finding, Fix, FixSafety, ImageLink, Severity
from podfit.report.findings import CONCISE_WIDTH, render_concise, render_full, render_json


def _result(tmp_path: Path, message: str = "base image 'python:3-slim' floats") -> CheckResult:
    (tmp_path / "Dockerfile").write_text("# base\n    FROM python:3-slim AS app\n",
                                         encoding="utf-8")
    return CheckResult((
        Finding("PF101", "unpinned-base-image", Severity.WARNING, "Dockerfile", 2, 1,
                message),
        Finding("PF701", "python-unbuffered-unset", Severity.WARNING, "<stdin>", 3, 1,
                "final stage does not set PYTHONUNBUFFERED=1",
                Fix("add ENV PYTHONUNBUFFERED=1 after FROM", FixSafety.SAFE)),
    ), files_checked=1)


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # findings name files relative to where podfit runs


def test_full_shows_source_line_caret_and_help(tmp_path: Path) -> None:
    out = render_full(_result(tmp_path)).splitlines()
    assert out[:6] == [
        "Dockerfile:2:1: PF101 [warning] base image 'python:3-slim' floats (unpinned-base-image)",
        "  |",
        "2 |     FROM python:3-slim AS app",
        "  |     ^^^^",
        "  |",
        "  = help: run 'podfit explain PF101' for why and what to use instead",
    ]
    # no source to show for standard input: header and help only
    assert out[7:10] == [
        "<stdin>:3:1: PF701 [*] [warning] final stage does not set PYTHONUNBUFFERED=1",
        "    (python-unbuffered-unset)",
        "  = help: add ENV PYTHONUNBUFFERED=1 after FROM (safe fix: run with --fix)"]
    assert out[-1] == "2 findings (0 error, 2 warning, 0 info) in 1 file"


def test_full_wraps_long_messages(tmp_path: Path) -> None:
    out = render_full(_result(tmp_path, "word " * 80))
    assert max(len(line) for line in out.splitlines()) <= 100


def test_concise_lines_are_short(tmp_path: Path) -> None:
    out = render_concise(_result(tmp_path, "because " * 60)).splitlines()
    assert all(len(line) <= CONCISE_WIDTH for line in out)
    assert out[0].endswith("…")
    assert out[1] == "<stdin>:3:1: PF701 [*] final stage does not set PYTHONUNBUFFERED=1"


def test_links_in_json_and_full(tmp_path: Path) -> None:
    link = ImageLink("acme/vote:1", "vote/Dockerfile", "docker-compose.yml:4 (compose)")
    finding = Finding("PF512", "x", Severity.WARNING, "k8s/vote.yaml", 9, 1, "m",
                      links=(link,))
    result = CheckResult((finding, *_result(tmp_path).findings))
    data = json.loads(render_json(result))["findings"]
    assert data[0]["links"] == [link.as_json()]
    assert "links" not in data[1]  # only findings that rest on a link carry the field
    assert ("  = link: image acme/vote:1 is built from vote/Dockerfile "
            "(docker-compose.yml:4 (compose))") in render_full(result).splitlines()


@pytest.mark.parametrize(("fail_on", "code"), [(None, 0), ("info", 1), ("warning", 0)])
def test_info_findings_do_not_fail_by_default(tmp_path: Path, fail_on: str | None,
                                              code: int) -> None:
    from tests.check.cli_support import podfit

    (tmp_path / "web.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n"
        "    spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n"
        "          resources: {limits: {cpu: 500m}}\n", encoding="utf-8")
    args = ["check", "--select", "PF205", "--format", "json", "."]  # CPU limit policy: info
    if fail_on:
        args[1:1] = ["--fail-on", fail_on]
    run = podfit(*args, cwd=tmp_path)
    severities = {f["severity"] for f in json.loads(run.stdout)["findings"]}
    assert severities == {"info"}, run
    assert run.code == code
