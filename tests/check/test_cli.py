"""``podfit check`` command line: exit codes, flags, standard input, suppressions, config and
file selection, and the bundled demo. Most run the CLI in-process (``main``); the demo and
a smoke test run the real executable."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from podfit.cli.main import main
from tests.check.cli_support import podfit

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo"

UNPINNED = "FROM python:latest\nENV PYTHONUNBUFFERED=1\n"  # PF101 only (warning)
CLEAN = "FROM python:3.12.7-slim-bookworm\nENV PYTHONUNBUFFERED=1\n"
WORKER = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
spec:
  selector:
    matchLabels: {app: worker}
  template:
    metadata:
      labels: {app: worker}
    spec:
      containers:
        - name: worker
          image: python:3.12-slim
          command: ["python", "worker.py"]
"""  # PF701 at line 14 (the image line)


class Result:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def codes(self) -> list[tuple[str, int, str]]:
        return [(f["path"], f["line"], f["code"]) for f in json.loads(self.out)["findings"]]


def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, cwd: Path,
        *args: str, stdin: bytes = b"") -> Result:
    monkeypatch.chdir(cwd)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    with pytest.raises(SystemExit) as exit_info:
        main(["check", *args])
    captured = capsys.readouterr()
    code = exit_info.value.code
    return Result(code if isinstance(code, int) else 0, captured.out, captured.err)


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    def runner(*args: str, stdin: bytes = b"", cwd: Path | None = None) -> Result:
        return cli(capsys, monkeypatch, cwd or tmp_path, *args, stdin=stdin)
    return runner


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


# --- exit codes ---

def test_exit_0_when_clean(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, {"Dockerfile": CLEAN})
    result = run("--select", "PF101,PF701", ".")
    assert result.code == 0
    assert result.out == "All clear: no findings in 1 file\n"
    assert result.err == ""


def test_exit_1_on_findings_2_on_errors(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, {"Dockerfile": UNPINNED})
    assert run("--select", "PF101", ".").code == 1
    write(tmp_path, {"bad.yaml": "a: [\n"})
    result = run("--select", "PF101", ".")
    assert result.code == 2  # errors win over findings
    assert "Dockerfile:1:1: PF101" in result.out


@pytest.mark.parametrize(("fail_on", "code"), [("info", 1), ("warning", 1), ("error", 0)])
def test_fail_on(run, tmp_path: Path, fail_on: str, code: int) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, {"Dockerfile": UNPINNED})
    result = run("--select", "PF101", "--fail-on", fail_on, ".")
    assert result.code == code
    assert "PF101" in result.out  # still reported, only the exit code changes


def test_exit_zero(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, {"Dockerfile": UNPINNED})
    assert run("--select", "PF101", "--exit-zero", ".").code == 0
    write(tmp_path, {"bad.yaml": "a: [\n"})
    assert run("--select", "PF101", "--exit-zero", ".").code == 2  # errors are not findings


def test_output_file(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, {"Dockerfile": UNPINNED})
    result = run("--select", "PF101", "--format", "json", "--output", "report.json", ".")
    assert result.code == 1
    assert result.out == ""
    data = json.loads((tmp_path / "report.json").read_text())
    assert [f["code"] for f in data["findings"]] == ["PF101"]


# --- selection ---

@pytest.mark.parametrize(("args", "expected"), [
    (("--select", "PF101"), {"PF101"}),
    (("--select", "unpinned-base-image"), {"PF101"}),
    (("--select", "PF101,PF701", "--ignore", "PF7"), {"PF101"}),
    (("--select", "PF101,PF701", "--ignore", "python-unbuffered-unset"), {"PF101"}),
    (("--select", "pf101"), {"PF101"}),
])
def test_select_and_ignore(run, tmp_path: Path, args: tuple[str, ...],  # type: ignore[no-untyped-def]
                           expected: set[str]) -> None:
    write(tmp_path, {"Dockerfile": "FROM python:latest\n"})
    result = run(*args, "--format", "json", ".")
    assert {code for _, _, code in result.codes()} == expected


def test_select_by_prefix(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, {"Dockerfile": "FROM python:latest\n"})
    codes = {c for _, _, c in run("--select", "PF1,PF7", "--format", "json", ".").codes()}
    assert {"PF101", "PF701"} <= codes
    assert all(c.startswith(("PF1", "PF7")) for c in codes), codes


def test_select_and_ignore_from_config(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, {"Dockerfile": "FROM python:latest\n",
                     "podfit.toml": 'select = ["PF101", "PF701"]\nignore = ["PF701"]\n'})
    assert {c for _, _, c in run("--format", "json", ".").codes()} == {"PF101"}
    # --select on the command line replaces the config's select; ignores add up
    assert {c for _, _, c in run("--format", "json", "--select", "PF7", ".").codes()} == set()


# --- standard input ---

def test_stdin_multi_document_stream(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rendered = ("---\n# Source: app/templates/service.yaml\napiVersion: v1\nkind: Service\n"
                "metadata:\n  name: worker\nspec:\n  ports: [{port: 80}]\n"
                "---\n# Source: app/templates/deployment.yaml\n" + WORKER)
    result = run("--select", "PF701", "--format", "json", "-", stdin=rendered.encode())
    assert result.code == 1
    # split by its "# Source:" comments: the finding names the template it came from
    assert result.codes() == [("app/templates/deployment.yaml", 15, "PF701")]


def test_stdin_filename_names_the_input_and_its_kind(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = "# a comment first\nFROM python:latest\n"
    result = run("--select", "PF101", "--format", "json", "--stdin-filename",
                 "services/api/Dockerfile", "-", stdin=text.encode())
    assert result.codes() == [("services/api/Dockerfile", 2, "PF101")]


def test_stdin_dockerfile_is_detected_without_a_name(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run("--select", "PF101", "--format", "json", "-", stdin=b"ARG V=3\nFROM python\n")
    assert result.codes() == [("<stdin>", 2, "PF101")]


def test_stdin_together_with_files(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, {"Dockerfile": "FROM python:latest\n"})
    result = run("--select", "PF101", "--format", "json", "Dockerfile", "-",
                 "--stdin-filename", "other/Dockerfile", stdin=b"FROM python\n")
    assert sorted(result.codes()) == [("Dockerfile", 1, "PF101"), ("other/Dockerfile", 1, "PF101")]


@pytest.mark.parametrize("flag", ["--fix", "--diff"])
def test_fix_refuses_stdin(run, tmp_path: Path, flag: str) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, {"Dockerfile": "FROM python:3.12-slim\n"})
    result = run(flag, "--stdin-filename", "Dockerfile", "-", stdin=b"FROM python:3.12-slim\n")
    assert result.code == 2
    assert "cannot edit standard input" in result.err
    assert (tmp_path / "Dockerfile").read_text() == "FROM python:3.12-slim\n"


# --- suppressions ---

def test_comment_on_the_line_and_above(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, {
        "a/Dockerfile": "FROM python:latest  # podfit: ignore[PF101]\n",
        "b/Dockerfile": "# podfit: ignore[unpinned-base-image]\n\n# why: a base we track\n"
                        "FROM python:latest\n",
        "c/Dockerfile": "# podfit: ignore[PF1]\nFROM python:latest\n",
        "d/Dockerfile": "FROM python:latest\n",
    })
    result = run("--select", "PF101,PF001", "--format", "json", ".")
    assert result.codes() == [("d/Dockerfile", 1, "PF101")]


def test_annotation_covers_the_object(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    annotated = WORKER.replace("  name: worker\n", "  name: worker\n  annotations:\n"
                               "    podfit.dev/ignore: PF701, PF999\n")
    write(tmp_path, {"k8s.yaml": WORKER + "---\n" + annotated})
    result = run("--select", "PF701,PF001", "--format", "json", ".")
    assert result.codes() == [("k8s.yaml", 14, "PF701"), ("k8s.yaml", 21, "PF001")]
    messages = [f["message"] for f in json.loads(result.out)["findings"]]
    assert messages[1] == "unknown rule 'PF999' in suppression"


def test_unused_suppression_is_reported(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, {"Dockerfile": "# podfit: ignore[PF101]\nFROM python:3.12.7-slim\n"})
    result = run("--select", "PF101,PF001", "--format", "json", ".")
    assert result.codes() == [("Dockerfile", 1, "PF001")]
    assert "unused suppression of PF101" in result.out


def test_suppression_of_a_rule_that_did_not_run_is_not_unused(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, {"Dockerfile": "# podfit: ignore[PF701]\nFROM python:3.12.7-slim\n"})
    assert run("--select", "PF101,PF001", "--format", "json", ".").codes() == []


def test_per_file_ignores(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, {"Dockerfile": "FROM python:latest\n",
                     "tests/fixtures/Dockerfile": "FROM python:latest\n",
                     "pyproject.toml": "[project]\nname = 'x'\n\n[tool.podfit]\n"
                                       'per-file-ignores = {"tests/*" = ["PF1"]}\n'})
    result = run("--select", "PF101", "--format", "json", ".")
    assert result.codes() == [("Dockerfile", 1, "PF101")]


# --- which files are read ---

def test_exclude_and_gitignore(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, {
        "Dockerfile": "FROM python:latest\n",
        "build/Dockerfile": "FROM python:latest\n",  # .gitignore
        "vendor/x/Dockerfile": "FROM python:latest\n",  # exclude
        "deploy/keep/Dockerfile": "FROM python:latest\n",  # negated
        "deploy/skip/Dockerfile": "FROM python:latest\n",
        ".venv/Dockerfile": "FROM python:latest\n",  # always skipped
        "chart/Chart.yaml": "apiVersion: v2\nname: c\n",
        "chart/templates/d.yaml": "{{ broken template }}\n",  # Helm templates skipped
        ".gitignore": "build/\ndeploy/*\n!deploy/keep/\n",
        "podfit.toml": 'exclude = ["vendor"]\n',
    })
    result = run("--select", "PF101", "--format", "json", ".")
    assert result.code == 1, result.err
    assert sorted(p for p, _, _ in result.codes()) == ["Dockerfile", "deploy/keep/Dockerfile"]


def test_explicit_file_is_read_even_if_ignored(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, {"build/Dockerfile": "FROM python:latest\n", ".gitignore": "build/\n"})
    assert run("--select", "PF101", "--format", "json", "build/Dockerfile").codes() == [
        ("build/Dockerfile", 1, "PF101")]


@pytest.mark.parametrize("config_name", ["podfit.toml", "pyproject.toml"])
def test_config_files(run, tmp_path: Path, config_name: str) -> None:  # type: ignore[no-untyped-def]
    body = 'ignore = ["PF101"]\n'
    text = body if config_name == "podfit.toml" else \
        f"[project]\nname = 'x'\n\n[tool.podfit]\n{body}"
    write(tmp_path, {"svc/Dockerfile": "FROM python:latest\n", config_name: text})
    # found from the checked path upwards, also when run from elsewhere
    result = run("--select", "PF101,PF701", "--format", "json", str(tmp_path / "svc"),
                 cwd=tmp_path.parent)
    assert {c for _, _, c in result.codes()} == {"PF701"}


def test_config_flag(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, {"Dockerfile": "FROM python:latest\n",
                     "ci/strict.toml": 'ignore = ["PF701"]\n'})
    result = run("--select", "PF101,PF701", "--config", "ci/strict.toml", "--format", "json", ".")
    assert {c for _, _, c in result.codes()} == {"PF101"}


# --- the real executable ---

def test_help_lists_every_flag() -> None:
    result = podfit("check", "--help")
    assert result.code == 0
    for flag in ("--format", "--output", "--select", "--ignore", "--fail-on", "--exit-zero",
                 "--kube-version", "--cpu-limit-policy", "--fix", "--diff", "--config",
                 "--stdin-filename"):
        assert flag in result.stdout


def test_demo_has_findings_in_several_categories() -> None:
    result = podfit("check", "--format", "json", "examples/demo", cwd=ROOT)
    assert result.code == 1, result.stderr
    data = json.loads(result.stdout)
    assert data["errors"] == []
    codes = {f["code"] for f in data["findings"]}
    categories = {code[2] for code in codes}
    assert len(categories) >= 5, codes
    paths = {f["path"] for f in data["findings"]}
    assert "examples/demo/Dockerfile" in paths
    assert any(p.startswith("examples/demo/k8s/") for p in paths)
    # the classic mistakes the demo was written to show
    for expected in ("PF102", "PF105", "PF106", "PF114", "PF401", "PF403", "PF511"):
        if expected in {f["code"] for f in data["findings"]} or expected not in _known_codes():
            continue
        pytest.fail(f"{expected} missing from the demo's findings: {sorted(codes)}")


def _known_codes() -> set[str]:
    from podfit.check.registry import load_rules

    return {r.rule.code for r in load_rules()}


# --- integrations: pre-commit hooks and the GitHub Action ---

def _yaml(name: str) -> object:
    import yaml

    return yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize(("name", "read"), [
    ("Dockerfile", True), ("api/Dockerfile.prod", True), ("Containerfile", True),
    ("build/app.dockerfile", True), ("k8s/deploy.yaml", True), ("chart/values.yml", True),
    ("gunicorn.conf.py", True), ("config/gunicorn_prod.py", True), ("requirements.txt", True),
    ("requirements-dev.in", True), ("pyproject.toml", True), ("Procfile", True),
    ("docker-entrypoint.sh", True), ("scripts/start.sh", True), ("app/.dockerignore", True),
    ("app.py", False), ("README.md", False), ("Dockerfile-old", False), ("setup.cfg", False),
])
def test_pre_commit_files_pattern_matches_what_check_reads(name: str, read: bool) -> None:
    import re

    from podfit.check.inputs import kind_of

    hooks = _yaml(".pre-commit-hooks.yaml")
    assert isinstance(hooks, list)
    pattern = re.compile(hooks[0]["files"])
    assert bool(pattern.search(name)) is read, name
    assert (kind_of(name.rsplit("/", 1)[-1]) is not None) is read, name


def test_pre_commit_hooks() -> None:
    hooks = _yaml(".pre-commit-hooks.yaml")
    assert isinstance(hooks, list)
    by_id = {h["id"]: h for h in hooks}
    assert set(by_id) == {"podfit-check", "podfit-check-all"}
    main_hook = by_id["podfit-check"]
    assert main_hook["entry"] == "podfit check"
    assert main_hook["language"] == "python"
    assert main_hook.get("pass_filenames", True) is True
    assert by_id["podfit-check-all"]["pass_filenames"] is False
    assert by_id["podfit-check-all"]["entry"] == "podfit check ."
    import re

    exclude = re.compile(main_hook["exclude"])
    assert exclude.search("charts/app/templates/deployment.yaml")
    assert not exclude.search("k8s/deployment.yaml")
    for hook in hooks:
        assert {"id", "name", "entry", "language", "files"} <= set(hook)


def test_github_action() -> None:
    action = _yaml("action.yml")
    assert isinstance(action, dict)
    assert action["runs"]["using"] == "composite"
    inputs = action["inputs"]
    assert {"paths", "args", "sarif-file", "upload", "python-version"} <= set(inputs)
    assert inputs["upload"]["default"] == "true"
    assert inputs["paths"]["default"] == "."
    for spec in inputs.values():
        assert spec["description"]
    steps = action["runs"]["steps"]
    uses = [s.get("uses", "") for s in steps]
    assert uses[0].startswith("actions/setup-python@")
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    run_steps = [s for s in steps if "run" in s]
    assert all(s["shell"] == "bash" for s in run_steps)
    install, check, fail = run_steps
    assert "pip install" in install["run"]
    assert "podfit check --format sarif --output" in check["run"]
    assert "set +e" in check["run"]
    assert check["run"].rstrip().endswith("exit 0")  # the upload must run before failing
    assert check["id"] == "check"
    upload_index = next(i for i, u in enumerate(uses) if "upload-sarif" in u)
    assert steps.index(fail) > upload_index
    assert "inputs.upload == 'true'" in steps[upload_index]["if"]
    assert "steps.check.outputs.exit-code" in fail["env"]["CODE"]
    # inputs reach the shell through env, never spliced into the script
    assert "${{" not in check["run"]
    assert "${{" not in install["run"]


def test_action_step_script_runs(tmp_path: Path) -> None:
    """The action's check step, run by bash here: SARIF written, exit code recorded, step ok."""
    import os
    import subprocess

    action = _yaml("action.yml")
    assert isinstance(action, dict)
    script = next(s for s in action["runs"]["steps"] if s.get("id") == "check")["run"]
    (tmp_path / "Dockerfile").write_text("FROM python:latest\n")
    (tmp_path / "bin").mkdir()
    shim = tmp_path / "bin" / "podfit"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m podfit "$@"\n')
    shim.chmod(0o755)
    out = tmp_path / "github_output"
    env = {**os.environ, "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}",
           "GITHUB_OUTPUT": str(out), "PODFIT_PATHS": ".", "PODFIT_ARGS": "--select PF101",
           "PODFIT_SARIF": "report.sarif"}
    done = subprocess.run(["bash", "-e", "-c", script], cwd=tmp_path, env=env, check=False,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert out.read_text() == "exit-code=1\n"
    sarif = json.loads((tmp_path / "report.sarif").read_text())
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["PF101"]


# --- documentation: docs/check.md and the generated README ---

def _gen_readme():  # type: ignore[no-untyped-def]
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen_readme", ROOT / "scripts" / "gen_readme.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docs_cover_every_flag_rule_and_key() -> None:
    import click

    from podfit.check.settings import CheckSettings
    from podfit.cli.check import check
    from podfit.core.config import field_docs

    doc = (ROOT / "docs" / "check.md").read_text(encoding="utf-8")
    assert doc.startswith("## podfit check\n")
    flags = [opt for p in check.params if isinstance(p, click.Option) for opt in p.opts
             if opt.startswith("--")]
    missing = [flag for flag in flags if f"`{flag}" not in doc]
    assert not missing, f"docs/check.md does not describe {missing}"
    rendered = _gen_readme().render()
    for loaded in _all_rules():
        assert f"| {loaded.rule.code} | `{loaded.rule.name}`" in rendered
    for key in field_docs(CheckSettings):
        assert f"| `{key}` |" in rendered
    assert "<!-- generated:" not in rendered  # every marker was replaced


def _all_rules():  # type: ignore[no-untyped-def]
    from podfit.check.registry import load_rules

    return load_rules()


def test_readme_is_up_to_date() -> None:
    """Once README.md is generated (it carries the marker), it must match the docs and code."""
    module = _gen_readme()
    readme = ROOT / "README.md"
    if not readme.exists() or module.MARKER not in readme.read_text(encoding="utf-8"):
        return  # not generated yet: the lead runs scripts/gen_readme.py at release time
    import subprocess

    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_readme.py"), "--check"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
