"""``--fix`` and ``--diff``: safe fixes keep comments and key order, are re-checked, are
idempotent, and ``--diff`` writes nothing. Written against PF701 (a Dockerfile text edit and
a YAML env append) and, generically, against every rule whose fix is declared safe."""

from __future__ import annotations

import difflib
import textwrap
from pathlib import Path

import pytest

from podfit.check.engine import run_check
from podfit.check.fixer import apply_yaml_edits, plan_fixes, write_fixes
from podfit.check.registry import load_rules
from podfit.check.settings import CheckSettings
from podfit.core.models import FixSafety, YamlEdit
from podfit.core.yamlsrc import load_documents
from tests.check.cli_support import podfit

from .test_rule_docs import BLOCK, _files, _section

DOCKERFILE = """\
# syntax=docker/dockerfile:1
# Build stage: wheels only.
FROM python:3.12.7-slim AS build
RUN pip wheel --wheel-dir /wheels flask

# Runtime stage.
FROM python:3.12.7-slim
COPY --from=build /wheels /wheels
CMD ["gunicorn", "app:app"]  # exec form on purpose
"""

MANIFEST = """\
# Worker that drains the queue.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker   # keep in sync with the chart
  labels: {app: worker, tier: "backend"}
spec:
  replicas: 2
  selector:
    matchLabels: {app: worker}
  template:
    metadata:
      labels: {app: worker, tier: "backend"}
    spec:
      containers:
        - name: worker
          image: 'python:3.12-slim'
          command: ["python", "worker.py"]
          env:
            # the queue to drain
            - name: QUEUE
              value: "default"
          resources:
            requests: {cpu: 250m, memory: 128Mi}
---
apiVersion: v1
kind: List
items:
  - apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: beat
    spec:
      selector:
        matchLabels: {app: beat}
      template:
        metadata:
          labels: {app: beat}
        spec:
          containers:
            - name: beat
              image: python:3.12-slim
              command: [python, beat.py]
"""


def _comments(text: str) -> list[str]:
    return [line.split("#", 1)[1].strip() for line in text.splitlines() if "#" in line]


def _only_insertions(before: str, after: str) -> list[str]:
    """The inserted lines, asserting that nothing else changed (comments, order, quoting)."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    inserted = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new).get_opcodes():
        assert op in {"equal", "insert"}, (op, old[i1:i2], new[j1:j2])
        if op == "insert":
            inserted += new[j1:j2]
    return inserted


def test_pf701_dockerfile_fix(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text(DOCKERFILE)
    first = podfit("check", "--select", "PF701", "--fix", ".", cwd=tmp_path)
    assert first.code == 0, first
    assert "fixed 1 finding in 1 file" in first.stderr
    fixed = path.read_text()
    assert fixed == DOCKERFILE.replace("FROM python:3.12.7-slim\n",
                                       "FROM python:3.12.7-slim\nENV PYTHONUNBUFFERED=1\n")
    second = podfit("check", "--select", "PF701", "--fix", ".", cwd=tmp_path)
    assert second.code == 0
    assert "fixed 0 findings in 0 files" in second.stderr
    assert path.read_text() == fixed


def test_pf701_yaml_fix_keeps_comments_order_and_quotes(tmp_path: Path) -> None:
    path = tmp_path / "k8s.yaml"
    path.write_text(MANIFEST)
    before = run_check([str(tmp_path)], CheckSettings(), select=("PF701",))
    assert [(f.line, f.code) for f in before.findings] == [(19, "PF701"), (42, "PF701")]
    run = podfit("check", "--select", "PF701", "--fix", ".", cwd=tmp_path)
    assert run.code == 0, run
    fixed = path.read_text()
    assert _comments(fixed) == _comments(MANIFEST)
    assert "tier: \"backend\"" in fixed
    assert "image: 'python:3.12-slim'" in fixed
    assert _only_insertions(MANIFEST, fixed) == [
        "            - name: PYTHONUNBUFFERED\n", '              value: "1"\n',
        "              env:\n", "                - name: PYTHONUNBUFFERED\n",
        '                  value: "1"\n']
    docs = [d.data for d in load_documents(fixed)]
    env = docs[0]["spec"]["template"]["spec"]["containers"][0]["env"]
    assert env == [{"name": "QUEUE", "value": "default"},
                   {"name": "PYTHONUNBUFFERED", "value": "1"}]
    beat = docs[1]["items"][0]["spec"]["template"]["spec"]["containers"][0]
    assert beat["env"] == [{"name": "PYTHONUNBUFFERED", "value": "1"}]
    again = podfit("check", "--select", "PF701", "--fix", ".", cwd=tmp_path)
    assert "fixed 0 findings" in again.stderr
    assert path.read_text() == fixed


@pytest.mark.parametrize(("name", "text", "added"), [
    ("Dockerfile", DOCKERFILE, "+ENV PYTHONUNBUFFERED=1\n"),
    ("k8s.yaml", MANIFEST, "+            - name: PYTHONUNBUFFERED\n"),
])
def test_diff_writes_nothing(tmp_path: Path, name: str, text: str, added: str) -> None:
    (tmp_path / name).write_text(text)
    run = podfit("check", "--select", "PF701", "--diff", ".", cwd=tmp_path)
    assert run.code == 1  # the findings are still there
    assert (tmp_path / name).read_text() == text
    shown = run.stdout + run.stderr  # the diff goes to stdout once the CLI sends it there
    assert f"--- a/{name}\n+++ b/{name}\n" in shown
    assert added in shown
    assert list(tmp_path.iterdir()) == [tmp_path / name]


def test_fix_leaves_unsafe_fixes_alone() -> None:
    findings = []
    for finding in run_check([str(Path(__file__).parent / "snapshots" / "project")],
                             CheckSettings()).findings:
        if finding.fix is not None and finding.fix.safety is FixSafety.UNSAFE:
            findings.append(finding)
    assert plan_fixes(findings) == []


def test_yaml_edit_on_a_missing_path_changes_nothing() -> None:
    text = "# c\napiVersion: v1\nkind: Pod\nmetadata: {name: x}\n"
    edit = YamlEdit(0, ("spec", "containers", 0), "env", [], "setdefault")
    assert apply_yaml_edits(text, [edit]) == text
    assert apply_yaml_edits(text, [YamlEdit(3, (), "x", 1)]) == text


# --- every safe fix, from its rule's documented example ---

SAFE = [r for r in load_rules() if r.rule.fix is FixSafety.SAFE and r.check is not None
        and BLOCK.search(_section(r.doc, "## Example"))]


@pytest.mark.parametrize("loaded", SAFE, ids=lambda r: r.rule.code)
def test_safe_fix_of_doc_example(loaded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code = loaded.rule.code
    files: dict[str, str] = {}
    for lang, body in BLOCK.findall(_section(loaded.doc, "## Example")):
        files.update(_files(lang, body))
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(text).lstrip("\n"))
    originals = {name: (tmp_path / name).read_text() for name in files}
    settings = CheckSettings()
    before = run_check([str(tmp_path)], settings, select=(code,))
    assert not before.errors, before.errors
    fixable = [f for f in before.findings if f.code == code and f.fix is not None
               and f.fix.safety is FixSafety.SAFE]
    assert fixable, (f"{code} declares a safe fix, but its doc Example yields none: make the "
                     "Example a case the fix handles")
    outcomes = plan_fixes(before.findings)
    assert outcomes, f"{code}: safe fixes planned no change"
    write_fixes(outcomes)
    after = run_check([str(tmp_path)], settings, select=(code,))
    assert not after.errors, f"{code}: the fixed files no longer parse: {after.errors}"
    still = [f for f in after.findings if f.code == code and f.fix is not None
             and f.fix.safety is FixSafety.SAFE]
    assert len(still) < len(fixable), f"{code}: the fix did not resolve its finding: {still}"
    assert plan_fixes(after.findings) == [] or all(
        o.before == o.after for o in plan_fixes(after.findings)), f"{code}: fix not idempotent"
    for name, original in originals.items():
        fixed = (tmp_path / name).read_text()
        assert set(_comments(original)) <= set(_comments(fixed)), f"{code}: comments lost"
