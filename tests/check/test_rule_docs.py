"""Every rule has complete metadata and a doc in the template, and its doc examples run:
the *Example* must trigger the rule and the *Use instead* must not."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest

from podfit.check import rules as rules_package
from podfit.check.registry import RULE_PACKAGES, load_rules, rule_module_names
from podfit.check.rule import LoadedRule

from .helpers import hits

SECTIONS = ("## What it does", "## Why is this bad?", "## Example", "## Use instead",
            "## Fix safety")
RULES = load_rules()
BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.S)
FILE_MARK = re.compile(r"^# file: (\S+)\s*$", re.M)
DEFAULT_NAMES = {"dockerfile": "Dockerfile", "yaml": "manifest.yaml", "python": "gunicorn.conf.py",
                 "sh": "entrypoint.sh", "text": "requirements.txt", "toml": "pyproject.toml"}


def test_registry_lists_every_module_on_disk() -> None:
    on_disk = set()
    for package in RULE_PACKAGES:
        module = importlib.import_module(f"podfit.check.rules.{package}")
        on_disk |= {f"podfit.check.rules.{package}.{m.name}"
                    for m in pkgutil.iter_modules(module.__path__)}
    assert sorted(on_disk) == sorted(rule_module_names())
    packages = {m.name for m in pkgutil.iter_modules(rules_package.__path__)}
    assert packages == set(RULE_PACKAGES)


@pytest.mark.parametrize("loaded", RULES, ids=lambda r: r.rule.code)
def test_rule_metadata(loaded: LoadedRule) -> None:
    rule = loaded.rule
    assert re.fullmatch(r"PF\d{3}", rule.code)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", rule.name)
    assert rule.summary.endswith(".")
    digit = {"meta": "0", "images": "1", "resources": "2", "concurrency": "3",
             "autoscaling": "4", "shutdown-and-probes": "5", "service-discovery": "6",
             "monitoring-and-logs": "7", "security": "8", "api-versions": "9"}
    assert rule.code[2] == digit[rule.category.value]
    positions = [loaded.doc.find(s) for s in SECTIONS]
    assert all(p >= 0 for p in positions), f"{rule.code} doc lacks a template section"
    assert positions == sorted(positions)


def _files(block_lang: str, body: str) -> dict[str, str]:
    parts = FILE_MARK.split(body)
    if len(parts) == 1:
        return {DEFAULT_NAMES.get(block_lang, "file.txt"): body}
    return {parts[i]: parts[i + 1].lstrip("\n") for i in range(1, len(parts), 2)}


def _section(doc: str, title: str) -> str:
    start = doc.index(title)
    nxt = doc.find("\n## ", start + len(title))
    return doc[start:nxt if nxt >= 0 else None]


EXAMPLES = [r for r in RULES if r.check is not None and BLOCK.search(_section(r.doc, "## Example"))]


@pytest.mark.parametrize("loaded", EXAMPLES, ids=lambda r: r.rule.code)
def test_doc_examples_run(loaded: LoadedRule, tmp_path: Path) -> None:
    code = loaded.rule.code
    bad: dict[str, str] = {}
    for lang, body in BLOCK.findall(_section(loaded.doc, "## Example")):
        bad.update(_files(lang, body))
    assert hits(tmp_path / "bad", bad, code), f"{code}: its Example does not trigger it"
    good: dict[str, str] = {}
    for lang, body in BLOCK.findall(_section(loaded.doc, "## Use instead")):
        good.update(_files(lang, body))
    if good:
        assert hits(tmp_path / "good", good, code) == [], f"{code}: 'Use instead' triggers it"
