"""A fix is kept only when the re-parsed file is the original plus exactly that fix; otherwise
it is dropped with a reason, and ``--diff`` shows exactly what ``--fix`` writes."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from podfit.check.fixer import FixOutcome, apply_yaml_edits, expect, plan
from podfit.core.models import Finding, Fix, FixSafety, Severity, TextEdit, YamlEdit
from tests.check.cli_support import podfit


def _finding(path: Path, fix: Fix, line: int = 1) -> Finding:
    return Finding("PF000", "test", Severity.WARNING, str(path), line, 1, "test", fix)


def _yaml_fix(*edits: YamlEdit) -> Fix:
    return Fix("test edit", FixSafety.SAFE, yaml_edits=edits)


def test_a_fix_that_would_change_a_block_scalar_is_dropped(tmp_path: Path) -> None:
    # Keep-chomped ("|+") trailing blank lines belong to the scalar: new lines inserted after
    # its last text would move them out and change its value; the re-parse sees it.
    text = "spec:\n  name: web\n  script: |+\n    echo hi\n\n\nother: 1\n"
    path = tmp_path / "k8s.yaml"
    path.write_text(text)
    fixes = plan([_finding(path, _yaml_fix(YamlEdit(0, ("spec",), "added", 1, "set")))])
    assert fixes.outcomes == ()
    assert [d.reason for d in fixes.dropped] == [
        "re-parsed, the file differs from the original plus the fix"]
    assert "PF000 fix 'test edit' not applied" in fixes.dropped[0].note()
    assert path.read_text() == text


def test_a_block_collection_is_not_rewritten_in_place(tmp_path: Path) -> None:
    path = tmp_path / "k8s.yaml"
    path.write_text("spec:\n  ports:\n    - 80\n")
    fixes = plan([_finding(path, _yaml_fix(YamlEdit(0, ("spec",), "ports", [81], "set")))])
    assert fixes.outcomes == ()
    assert fixes.dropped[0].reason.startswith("no minimal edit")


def test_a_dockerfile_edit_that_breaks_a_continuation_is_dropped(tmp_path: Path) -> None:
    text = "FROM python:3.12-slim\nRUN pip install flask \\\n    gunicorn\nCMD [\"x\"]\n"
    path = tmp_path / "Dockerfile"
    path.write_text(text)
    after_backslash = TextEdit(2, 23, 2, 23, " --no-cache-dir")
    fix = Fix("add --no-cache-dir", FixSafety.SAFE, text_edits=(after_backslash,))
    fixes = plan([_finding(path, fix, 2)])
    assert fixes.outcomes == ()
    assert "continuation" in fixes.dropped[0].reason or "no longer parses" in \
        fixes.dropped[0].reason
    fine = Fix("add --no-cache-dir", FixSafety.SAFE,
               text_edits=(TextEdit(2, 15, 2, 15, " --no-cache-dir"),))
    kept = plan([_finding(path, fine, 2)])
    assert kept.dropped == ()
    assert kept.outcomes[0].after == text.replace("install", "install --no-cache-dir")


def test_overlapping_text_fixes_keep_the_first(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text("FROM python:3.12-slim\nADD . /app\n")
    one = Fix("a", FixSafety.SAFE, text_edits=(TextEdit(2, 0, 2, 3, "COPY"),))
    two = Fix("b", FixSafety.SAFE, text_edits=(TextEdit(2, 0, 2, 10, "COPY . /srv"),))
    fixes = plan([_finding(path, one, 2), _finding(path, two, 2)])
    assert len(fixes.outcomes) == 1
    assert [d.reason for d in fixes.dropped] == ["it overlaps another fix on the same lines"]


def test_identical_fixes_count_once_apply_once(tmp_path: Path) -> None:
    path = tmp_path / "k8s.yaml"
    path.write_text("a:\n  b: 1\n")
    fix = _yaml_fix(YamlEdit(0, ("a",), "c", 2, "setdefault"))
    fixes = plan([_finding(path, fix), _finding(path, fix)])
    assert fixes.outcomes[0].after == "a:\n  b: 1\n  c: 2\n"
    assert fixes.outcomes[0].applied == 2


def test_no_final_newline_is_kept_and_shown() -> None:
    outcome = FixOutcome("k8s.yaml", "a: 1", "a: 1\nb: 2", 1)
    assert outcome.diff().endswith("+b: 2\n\\ No newline at end of file\n")


PROJECT = {
    "Dockerfile": b"FROM python:3.12-slim\r\nRUN pip install flask\r\nCMD [\"gunicorn\", "
                  b"\"app:app\"]\r\n",
    "k8s.yaml": b"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n"
                b"  template:\n    spec:\n      containers:\n      - name: web\n"
                b"        image: web:1\n        command: [gunicorn, app:app]\n"
                b"        livenessProbe:\n          httpGet: {path: /, port: 8000}\n",
}


def test_diff_is_what_fix_writes(tmp_path: Path) -> None:
    for name, data in PROJECT.items():
        (tmp_path / "diff" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "diff" / name).write_bytes(data)
    shutil.copytree(tmp_path / "diff", tmp_path / "fix")
    shown = podfit("check", "--diff", ".", cwd=tmp_path / "diff")
    assert {p.name: p.read_bytes() for p in (tmp_path / "diff").iterdir()} == PROJECT
    assert shown.stdout.count("+++ b/") == 2
    fixed = podfit("check", "--fix", ".", cwd=tmp_path / "fix")
    assert "in 2 files" in fixed.stderr
    # The diff applies as a patch (podfit check --diff . | git apply) and gives, byte for
    # byte, what --fix wrote, CRLF lines included.
    (tmp_path / "fixes.patch").write_bytes(shown.stdout.encode())
    subprocess.run(["git", "apply", "--unsafe-paths", str(tmp_path / "fixes.patch")],
                   cwd=tmp_path / "diff", check=True)
    for name in PROJECT:
        assert (tmp_path / "diff" / name).read_bytes() == (tmp_path / "fix" / name).read_bytes()
    assert (tmp_path / "fix" / "Dockerfile").read_bytes().count(b"\r\n") == 4  # CRLF kept


def test_json_stays_json() -> None:
    # Kubernetes JSON is YAML too; a fix in it keeps quoted keys and one entry per line.
    text = ('{\n  "kind": "Pod",\n  "spec": {\n    "containers": [\n      {\n'
            '        "name": "a",\n        "env": [\n          {"name": "X", "value": "y"}\n'
            '        ]\n      }\n    ]\n  }\n}\n')
    env = YamlEdit(0, ("spec", "containers", 0), "env", {"name": "B", "value": "1"}, "append")
    probe = YamlEdit(0, ("spec", "containers", 0), "livenessProbe", {"tcpSocket": {"port": 80}},
                     "set")
    new = apply_yaml_edits(text, [env, probe])
    assert json.loads(new) == expect([json.loads(text)], [env, probe])[0]
    assert new == text.replace(
        '"value": "y"}\n        ]',
        '"value": "y"},\n          {"name": "B", "value": "1"}\n        ],\n'
        '        "livenessProbe": {"tcpSocket": {"port": 80}}')


ALIASED = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: web
          image: registry.example/web:1.0
          command: ["gunicorn", "app:app"]
          env: &env
            - {name: A, value: b}
        - name: side
          image: registry.example/side:1.0
          command: ["sleep", "infinity"]
          env: *env
"""


def test_a_fix_through_an_anchor_is_dropped_with_a_note(tmp_path: Path) -> None:
    # Appending to the anchored list would add the variable to the aliasing container too.
    (tmp_path / "k8s.yaml").write_text(ALIASED)
    run = podfit("check", "--select", "PF701", "--fix", ".", cwd=tmp_path)
    assert ("note: k8s.yaml:11: PF701 fix 'add PYTHONUNBUFFERED=1 to the container's env' not "
            "applied: re-parsed, the file differs from the original plus the fix") in run.stderr
    assert "fixed 0 findings in 0 files" in run.stderr
    assert (tmp_path / "k8s.yaml").read_text() == ALIASED
    alone = ALIASED.replace("          env: *env\n", "")
    new = apply_yaml_edits(alone, [YamlEdit(0, ("spec", "template", "spec", "containers", 0),
                                            "env", {"name": "C", "value": "d"}, "append")])
    assert new == alone.replace("{name: A, value: b}\n",
                                "{name: A, value: b}\n            - {name: C, value: d}\n")
