"""The engine in-process: which files are read, how inputs are decoded, rule selection, a
crashing rule, suppression coverage, ordering and progress events."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from podfit.check import engine
from podfit.check.engine import decode, enabled, guess_stdin_kind, run_check
from podfit.check.inputs import IgnoreRules, kind_of, walk
from podfit.check.registry import load_rules
from podfit.check.rule import Category, Hit, LoadedRule, Rule
from podfit.check.settings import CheckSettings
from podfit.check.suppressions import comment_suppressions, matches
from podfit.core.errors import InputError
from podfit.core.models import Severity
from podfit.core.progress import Progress, Stage

from .helpers import write_files


@pytest.mark.parametrize(("name", "kind"), [
    ("Dockerfile", "dockerfile"), ("dockerfile", "dockerfile"), ("Containerfile", "dockerfile"),
    ("Dockerfile.prod", "dockerfile"), ("api.Dockerfile", "dockerfile"), ("a.yaml", "yaml"),
    ("b.YML", "yaml"), (".dockerignore", "dockerignore"), ("Procfile", "procfile"),
    ("pyproject.toml", "pyproject"), ("requirements-dev.txt", "requirements"),
    ("requirements.in", "requirements"), ("gunicorn.conf.py", "gunicorn"),
    ("gunicorn_config.py", "gunicorn"), ("entrypoint.sh", "shell"),
    ("docker-entrypoint", "shell"), ("app.py", None), ("README.md", None),
    ("Dockerfile-old", None), ("values.json", None),
])
def test_kind_of(name: str, kind: str | None) -> None:
    assert kind_of(name) == kind


def test_walk_honours_gitignore_exclude_and_skips(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "Dockerfile": "FROM x\n", "k8s/app.yaml": "a: 1\n", "k8s/gen/out.yaml": "a: 1\n",
        "k8s/.gitignore": "gen/\n*.tmp.yaml\n", "k8s/x.tmp.yaml": "a: 1\n",
        "node_modules/m/Dockerfile": "FROM x\n", "vendor/Dockerfile": "FROM x\n",
        "chart/Chart.yaml": "name: c\n", "chart/templates/t.yaml": "{{ x }}\n",
        "chart/values.yaml": "a: 1\n", "app.py": "print()\n", "docs/a.yml": "a: 1\n",
        ".gitignore": "/docs\n",
    })
    found = [p.relative_to(tmp_path).as_posix() for p, _ in walk(tmp_path, ("vendor",))]
    assert found == ["Dockerfile", "chart/Chart.yaml", "chart/values.yaml", "k8s/app.yaml"]


def test_ignore_rules_negation_and_anchoring() -> None:
    rules = IgnoreRules(("*.log", "/build", "deploy/*", "!deploy/keep", "cache/"))
    assert rules.ignored("a/b/x.log", False)
    assert rules.ignored("build", True)
    assert not rules.ignored("src/build", True)  # anchored to the root
    assert rules.ignored("deploy/skip", True)
    assert not rules.ignored("deploy/keep", True)
    assert rules.ignored("x/cache", True)
    assert not rules.ignored("x/cache", False)  # dir-only pattern


def test_decode() -> None:
    assert decode("a", "yaml", "\ufeffkind: X\n".encode()).text == "kind: X\n"  # BOM dropped
    with pytest.raises(InputError, match="binary"):
        decode("a", "yaml", b"x" * 20000 + b"\x00")
    with pytest.raises(InputError, match="not UTF-8"):
        decode("a", "yaml", b"caf\xe9")
    with pytest.raises(InputError, match="empty"):
        decode("a", "dockerfile", b" \n\t\n")
    assert decode("r", "requirements", b"").text == ""  # only YAML and Dockerfiles must have text


@pytest.mark.parametrize(("text", "kind"), [
    ("FROM python:3.12\n", "dockerfile"), ("# syntax=docker/dockerfile:1\n\nARG V\n", "dockerfile"),
    ("from python\n", "dockerfile"), ("apiVersion: v1\n", "yaml"), ("---\n", "yaml"), ("", "yaml"),
])
def test_guess_stdin_kind(text: str, kind: str) -> None:
    assert guess_stdin_kind(text) == kind


def _rule(code: str, name: str, *, default_enabled: bool = True) -> LoadedRule:
    return LoadedRule(Rule(code, name, Severity.INFO, "x.", Category.META,
                           default_enabled=default_enabled), "", None)


@pytest.mark.parametrize(("select", "ignore", "config_select", "expected"), [
    ((), (), (), {"PF101", "PF301"}),
    (("PF1",), (), (), {"PF101"}),
    (("workers-exceed-cpu",), (), (), {"PF301"}),
    ((), ("PF3",), (), {"PF101"}),
    ((), (), ("PF3",), {"PF301"}),
    (("PF1",), (), ("PF3",), {"PF101"}),  # the command line replaces the config's select
    (("PF903",), (), (), {"PF903"}),  # opt-in rules run when selected by code…
    (("PF9",), (), (), set()),  # …never through a prefix
    (("schema-validation",), (), (), {"PF903"}),  # …or by name
])
def test_enabled(select: tuple[str, ...], ignore: tuple[str, ...],
                 config_select: tuple[str, ...], expected: set[str]) -> None:
    rules = [_rule("PF101", "unpinned-base-image"), _rule("PF301", "workers-exceed-cpu"),
             _rule("PF903", "schema-validation", default_enabled=False)]
    settings = CheckSettings(select=config_select)
    assert {r.rule.code for r in rules if enabled(r, settings, select, ignore)} == expected


def test_matches() -> None:
    assert matches("PF301", "WORKERS-EXCEED-CPU", ("PF3",))
    assert matches("PF301", "WORKERS-EXCEED-CPU", ("WORKERS-EXCEED-CPU",))
    assert not matches("PF301", "WORKERS-EXCEED-CPU", ("PF4", "WORKERS"))


def test_comment_suppression_coverage() -> None:
    text = ("FROM x  # podfit: ignore[PF101]\n"  # 1: own line only
            "# podfit: ignore[pf2, unpinned-base-image]\n"  # 2: covers 2..5 (next code line)
            "\n"
            "# a comment between\n"
            "RUN a\n"
            "RUN b\n")
    first, second = comment_suppressions("Dockerfile", text)
    assert (first.line, first.first, first.last, first.codes) == (1, 1, 1, ("PF101",))
    assert (second.line, second.first, second.last) == (2, 2, 5)
    assert second.codes == ("PF2", "UNPINNED-BASE-IMAGE")


def test_a_crashing_rule_is_an_error_and_the_others_still_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(project: object) -> Iterator[Hit]:
        yield Hit("x", 1, "first")
        raise KeyError("spec")

    crashing = LoadedRule(Rule("PF099", "always-crashes", Severity.ERROR, "x.", Category.META),
                          "", boom)
    real = load_rules()
    monkeypatch.setattr(engine, "load_rules", lambda: (*real, crashing))
    write_files(tmp_path, {"Dockerfile": "FROM python:latest\n"})
    result = run_check([str(tmp_path)], CheckSettings(), select=("PF101", "PF099"))
    assert [f.code for f in result.findings] == ["PF101"]
    assert len(result.errors) == 1
    error = result.errors[0]
    assert error.path == "<podfit>"
    assert error.message == "rule PF099 (always-crashes) failed: KeyError: 'spec'"
    assert error.hint is not None


def test_parser_crash_costs_one_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(path: str, text: str) -> object:
        raise RecursionError("deep")

    monkeypatch.setitem(engine._PARSERS, "procfile", broken)
    write_files(tmp_path, {"Procfile": "web: gunicorn app:app\n",
                           "Dockerfile": "FROM python:latest\n"})
    result = run_check([str(tmp_path)], CheckSettings(), select=("PF101",))
    assert [f.code for f in result.findings] == ["PF101"]
    (error,) = result.errors
    assert error.path.endswith("Procfile")
    assert "could not parse" in error.message


def test_findings_sorted_and_counted(tmp_path: Path) -> None:
    write_files(tmp_path, {"b/Dockerfile": "FROM python:latest\n",
                           "a/Dockerfile": "FROM python\nFROM python:latest\n"})
    result = run_check([str(tmp_path)], CheckSettings(), select=("PF101",))
    assert [(Path(f.path).parent.name, f.line) for f in result.findings] == [
        ("a", 1), ("a", 2), ("b", 1)]
    assert result.files_checked == 2


def test_same_file_twice_is_read_once(tmp_path: Path) -> None:
    write_files(tmp_path, {"Dockerfile": "FROM python:latest\n"})
    result = run_check([str(tmp_path), str(tmp_path / "Dockerfile")], CheckSettings(),
                       select=("PF101",))
    assert result.files_checked == 1
    assert len(result.findings) == 1


def test_observer_events(tmp_path: Path) -> None:
    write_files(tmp_path, {"Dockerfile": "FROM python:latest\n"})
    events: list[Progress[None]] = []
    run_check([str(tmp_path)], CheckSettings(), select=("PF101", "PF701"),
              observer=events.append)
    assert (events[0].kind, events[0].done) == (Stage.STATUS, 1)
    assert [(e.label, e.done, e.total) for e in events if e.kind is Stage.DONE] == [
        ("PF101", 1, 2), ("PF701", 2, 2)]


def test_stdin_helm_stream_with_non_objects(tmp_path: Path) -> None:
    stream = (b"---\n# Source: chart/templates/NOTES.txt\n---\napiVersion: v1\nkind: Service\n"
              b"metadata: {name: a}\n---\n# empty\n---\nnull\n")
    result = run_check(["-"], CheckSettings(), stdin=stream)
    assert result.errors == ()
    assert result.files_checked == 1
