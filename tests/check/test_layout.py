"""The layout names the rules: a rule's module is its kebab name, its folder its category,
and its code's first digit the category's digit (one mapping, in ``Category``)."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

import podfit.check.rules
from podfit.check.registry import RULE_PACKAGES, load_rules, rule_module_names
from podfit.check.rule import Category

RULES_DIR = Path(podfit.check.rules.__file__).parent


@pytest.mark.parametrize("name", rule_module_names())
def test_module_is_named_after_its_rule_and_sits_in_its_category(name: str) -> None:
    rule = importlib.import_module(name).RULE
    *_, folder, module = name.split(".")
    assert module == rule.name.replace("-", "_"), f"{name}: rename it to {rule.name}"
    assert folder == rule.category.folder, f"{name}: move it to {rule.category.folder}/"
    assert rule.code[2] == rule.category.digit, f"{rule.code} is not a {rule.category} code"


def test_every_category_has_a_folder_and_a_digit() -> None:
    assert set(RULE_PACKAGES) == {c.folder for c in Category}
    assert sorted(c.digit for c in Category) == [str(d) for d in range(10)]
    folders = {p.name for p in RULES_DIR.iterdir() if (p / "__init__.py").is_file()}
    assert folders == set(RULE_PACKAGES)


def test_codes_are_unchanged_by_the_layout() -> None:
    codes = {r.rule.code for r in load_rules()}
    # codes are users' interface (suppressions, config, CI): a sample that must never move
    assert {"PF001", "PF102", "PF404", "PF512", "PF545", "PF602", "PF701", "PF811",
            "PF903"} <= codes
