"""Bad input through the real CLI: every broken file becomes one ``error:`` entry (exit 2), the
other files are still checked, there is no traceback, and time and memory stay bounded."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.check.cli_support import Run, podfit

GOOD_DOCKERFILE = 'FROM python:3.12-slim\nCMD ["python", "app.py"]\n'
GOOD_MARK = "good/Dockerfile:1:1: PF701"


def alias_bomb(levels: int = 10, width: int = 9) -> str:
    """The "billion laughs" document: 9 ** 10 strings from a 1 KB file."""
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def big_manifest(path: Path, megabytes: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n")
        i = 0
        while out.tell() < megabytes * 2**20:
            out.write(f'  key{i}: "{"x" * 100}"\n')
            i += 1


BAD: dict[str, tuple[str, bytes, str, str | None]] = {
    # case: (file name, content, error fragment, hint fragment)
    "malformed": ("deploy.yaml", b"apiVersion: v1\nkind: Pod\nmetadata: {name: x\n",
                  "deploy.yaml:4: invalid YAML", "fix the YAML syntax"),
    "bad-indent": ("svc.yaml", b"apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n"
                   b" spec: {}\n", "svc.yaml:5: invalid YAML", "indentation"),
    # an unrendered template is a PF002 notice, not an input error (tests/check/real_repos)
    "binary": ("blob.yaml", b"\x7fELF\x02\x01\x01\x00\x00" + bytes(range(256)) * 4,
               "blob.yaml: binary file", "text"),
    "nul-late": ("gunicorn.conf.py", b"workers = 2\n" + b"#" * 10000 + b"\x00\n",
                 "gunicorn.conf.py: binary file", None),
    "latin1": ("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: caf\u00e9}\n"
               .encode("latin-1"), "cm.yaml: not UTF-8", "UTF-8"),
    "empty": ("empty.yaml", b"", "empty.yaml: file is empty", None),
    "blank": ("blank.yaml", b"\n  \n\n", "blank.yaml: file is empty", None),
    "list-document": ("list.yaml", b"- apiVersion: v1\n  kind: Pod\n",
                      "list.yaml:1: document 1 is a", "mapping"),
    "scalar-document": ("scalar.yaml", b"just a string\n", "scalar.yaml:1: document 1 is a",
                        "mapping"),
    "second-document-scalar": ("multi.yaml", b"apiVersion: v1\nkind: Namespace\nmetadata:\n"
                               b"  name: a\n---\n42\n", "multi.yaml:6: document 2 is a", None),
    "dockerfile-parse-error": ("bad/Dockerfile", b"FROM python:3.12-slim\nENV ONLYKEY\n",
                               "bad/Dockerfile: Dockerfile does not parse", "syntax"),
    "dockerfile-heredoc": ("heredoc/Dockerfile", b"FROM python:3.12\nRUN <<EOF\necho hi\n",
                           "heredoc/Dockerfile: Dockerfile does not parse", None),
    "dockerfile-no-from": ("nofrom/Dockerfile", b"RUN echo hi\n",
                           "nofrom/Dockerfile: no FROM instruction", "FROM"),
    "gunicorn-syntax": ("gunicorn.conf.py", b"workers = (\n", "gunicorn.conf.py: gunicorn "
                        "config is not valid Python", "fix the syntax"),
    "pyproject-toml": ("pyproject.toml", b"[project\nname = 'x'\n", "pyproject.toml: invalid "
                       "TOML", "TOML"),
    "alias-bomb": ("bomb.yaml", alias_bomb().encode(), "bomb.yaml: YAML too large",
                   "aliases"),
    "deep-nesting": ("deep.yaml", b"a: " + b"[" * 500 + b"]" * 500 + b"\n",
                     "deep.yaml:1: invalid YAML", None),
}


def _check_tree(tmp_path: Path, *args: str) -> Run:
    return podfit("check", "--select", "PF701", *args, ".", cwd=tmp_path)


def _assert_clean_failure(run: Run) -> None:
    assert run.code == 2, run
    assert "Traceback" not in run.stderr + run.stdout
    assert GOOD_MARK in run.stdout, "the good file was not checked"
    for line in run.stderr.splitlines():
        assert line.startswith(("error: ", "hint: ")), line


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_file_is_one_error_and_the_rest_is_checked(tmp_path: Path, case: str) -> None:
    name, content, error, hint = BAD[case]
    (tmp_path / "good").mkdir()
    (tmp_path / "good" / "Dockerfile").write_text(GOOD_DOCKERFILE)
    target = tmp_path / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    run = _check_tree(tmp_path)
    _assert_clean_failure(run)
    assert len(run.errors) == 1, run.stderr
    assert error in run.errors[0], run.stderr
    if hint:
        hints = [line for line in run.stderr.splitlines() if line.startswith("hint: ")]
        assert hints, run.stderr
        assert hint in hints[0], run.stderr
    assert run.seconds < 30
    assert run.peak_rss_mb < 300


def test_alias_bomb_is_cheap(tmp_path: Path) -> None:
    (tmp_path / "good").mkdir()
    (tmp_path / "good" / "Dockerfile").write_text(GOOD_DOCKERFILE)
    (tmp_path / "bomb.yaml").write_text(alias_bomb(levels=12))
    run = _check_tree(tmp_path)
    _assert_clean_failure(run)
    assert "alias bomb" in run.stderr
    assert run.seconds < 10, run.seconds
    assert run.peak_rss_mb < 300, run.peak_rss_mb


def test_50_mb_file_is_refused_by_size(tmp_path: Path) -> None:
    (tmp_path / "good").mkdir()
    (tmp_path / "good" / "Dockerfile").write_text(GOOD_DOCKERFILE)
    big_manifest(tmp_path / "big.yaml", 50)
    run = _check_tree(tmp_path)
    _assert_clean_failure(run)
    assert "big.yaml: file is 50.0 MiB, over the 10 MiB limit" in run.errors[0]
    assert "max-file-size" in run.stderr
    assert run.seconds < 10
    assert run.peak_rss_mb < 300, run.peak_rss_mb


@pytest.mark.slow
def test_large_file_under_a_raised_limit_is_parsed_in_bounds(tmp_path: Path) -> None:
    """With ``max-file-size`` raised, a 20 MB manifest is really read: still bounded."""
    (tmp_path / "podfit.toml").write_text("max-file-size = 104857600\n")
    big_manifest(tmp_path / "big.yaml", 20)
    run = podfit("check", ".", cwd=tmp_path)
    assert run.code == 0, run
    assert run.seconds < 60
    assert run.peak_rss_mb < 600, run.peak_rss_mb


def test_several_bad_files_each_reported_once(tmp_path: Path) -> None:
    (tmp_path / "good").mkdir()
    (tmp_path / "good" / "Dockerfile").write_text(GOOD_DOCKERFILE)
    for case in ("malformed", "binary", "latin1", "empty", "scalar-document",
                 "dockerfile-parse-error", "alias-bomb"):
        name, content, _, _ = BAD[case]
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(content)
    run = _check_tree(tmp_path)
    _assert_clean_failure(run)
    assert len(run.errors) == 7, run.stderr
    assert "; 7 input errors" in run.stdout


def test_unknown_kinds_crds_and_plain_yaml_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "widget.yaml").write_text(
        "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: 3\n")
    (tmp_path / "crd.yaml").write_text(
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n"
        "  name: widgets.example.com\nspec:\n  group: example.com\n")
    (tmp_path / "values.yaml").write_text("replicaCount: 2\nimage:\n  tag: latest\n")
    (tmp_path / "kustomization.yaml").write_text("resources:\n  - widget.yaml\n")
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "ci.yml").write_text("on: push\njobs: {}\n")
    run = podfit("check", ".", cwd=tmp_path)
    assert run.code == 0, run
    assert run.stderr == ""
    assert "All clear" in run.stdout


def test_missing_path_is_an_error_and_other_paths_are_checked(tmp_path: Path) -> None:
    (tmp_path / "good").mkdir()
    (tmp_path / "good" / "Dockerfile").write_text(GOOD_DOCKERFILE)
    run = podfit("check", "--select", "PF701", "good", "nope.yaml", cwd=tmp_path)
    _assert_clean_failure(run)
    assert run.errors == ["error: nope.yaml: no such file or directory"]
    assert "hint: check the path" in run.stderr


def test_dangling_symlink_and_fifo_are_errors(tmp_path: Path) -> None:
    (tmp_path / "good").mkdir()
    (tmp_path / "good" / "Dockerfile").write_text(GOOD_DOCKERFILE)
    (tmp_path / "gone.yaml").symlink_to(tmp_path / "missing-target.yaml")
    os.mkfifo(tmp_path / "pipe.yaml")  # reading it would block forever
    run = _check_tree(tmp_path)
    _assert_clean_failure(run)
    assert len(run.errors) == 2, run.stderr
    assert "gone.yaml: cannot read" in run.errors[0]
    assert "pipe.yaml: not a regular file" in run.errors[1]


def test_binary_on_stdin_is_an_error(tmp_path: Path) -> None:
    run = podfit("check", "-", cwd=tmp_path, stdin=b"\x00\x01\x02")
    assert run.code == 2
    assert run.errors == ["error: <stdin>: binary file, not text"]


# --- configuration and command-line errors: exit 2, `error:` + `hint:`, nothing checked ---

@pytest.mark.parametrize(("config", "error", "hint"), [
    ('selct = ["PF1"]\n', "unknown key 'selct'", "did you mean 'select'?"),
    ("kube-versoin = '1.30'\n", "unknown key 'kube-versoin'", "did you mean 'kube-version'?"),
    ("cpu-limit-policy = 'sometimes'\n", "cpu-limit-policy must be none, integer or required",
     None),
    ("kube-version = 'latest'\n", "kube-version must look like 1.30", None),
    ("select = [\n", "invalid TOML", "fix the TOML syntax"),
])
def test_config_errors(tmp_path: Path, config: str, error: str, hint: str | None) -> None:
    (tmp_path / "podfit.toml").write_text(config)
    (tmp_path / "Dockerfile").write_text(GOOD_DOCKERFILE)
    run = podfit("check", ".", cwd=tmp_path)
    assert run.code == 2, run
    assert "Traceback" not in run.stderr
    assert len(run.errors) == 1, run.stderr
    assert error in run.errors[0], run.stderr
    if hint:
        assert f"hint: {hint}" in run.stderr
    assert run.stdout == ""


def test_pyproject_tool_podfit_unknown_key(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[project]\nname = 'app'\n\n[tool.podfit]\nignroe = ['PF101']\n")
    run = podfit("check", ".", cwd=tmp_path)
    assert run.code == 2
    assert "pyproject.toml: unknown key 'ignroe'" in run.stderr
    assert "hint: did you mean 'ignore'?" in run.stderr


@pytest.mark.parametrize("args", [
    ("--select", "PF999x"), ("--ignore", "no-such-rule"), ("--select", "PF701,XYZ"),
])
def test_unknown_rule_on_command_line(tmp_path: Path, args: tuple[str, ...]) -> None:
    (tmp_path / "Dockerfile").write_text(GOOD_DOCKERFILE)
    run = podfit("check", *args, ".", cwd=tmp_path)
    assert run.code == 2, run
    assert "error: unknown rule" in run.stderr
    assert "hint: run 'podfit rules'" in run.stderr


@pytest.mark.parametrize("args", [
    ("--format", "xml", "."), ("--kube-version", "banana", "."), ("--fail-on", "fatal", "."),
    (), ("--no-such-flag", "."),
])
def test_usage_errors(tmp_path: Path, args: tuple[str, ...]) -> None:
    run = podfit("check", *args, cwd=tmp_path)
    assert run.code == 2, run
    assert run.stderr.startswith("error: "), run.stderr
    assert "hint: " in run.stderr
    assert "Traceback" not in run.stderr


def test_missing_config_file(tmp_path: Path) -> None:
    run = podfit("check", "--config", "nope.toml", ".", cwd=tmp_path)
    assert run.code == 2
    assert "error: config file nope.toml does not exist" in run.stderr
