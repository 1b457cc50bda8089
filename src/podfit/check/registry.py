"""The explicit list of rules. A test checks it against the modules on disk, so a rule can be
neither forgotten nor registered twice; nothing registers itself on import."""

from __future__ import annotations

import importlib
from functools import cache

from podfit.check.rule import Category, LoadedRule

UNUSED_SUPPRESSION = "PF001"

#: Rule packages under ``podfit.check.rules``, one per practice; each lists its modules in
#: ``MODULES`` (explicit, so a test can compare the list with the files on disk).
RULE_PACKAGES: tuple[str, ...] = tuple(category.folder for category in Category)


def rule_module_names() -> list[str]:
    names = []
    for package in RULE_PACKAGES:
        module = importlib.import_module(f"podfit.check.rules.{package}")
        names += [f"podfit.check.rules.{package}.{m}" for m in module.MODULES]
    return names


@cache
def load_rules() -> tuple[LoadedRule, ...]:
    loaded = [LoadedRule.from_module(importlib.import_module(name))
              for name in rule_module_names()]
    codes = [r.rule.code for r in loaded]
    names = [r.rule.name for r in loaded]
    if len(set(codes)) != len(codes) or len(set(names)) != len(names):
        raise RuntimeError("duplicate rule code or name in the registry")
    return tuple(sorted(loaded, key=lambda r: r.rule.code))


@cache
def rule_index() -> dict[str, str]:
    """Upper-cased code or name → code."""
    index: dict[str, str] = {}
    for loaded in load_rules():
        index[loaded.rule.code.upper()] = loaded.rule.code
        index[loaded.rule.name.upper()] = loaded.rule.code
    return index


def find_rule(code_or_name: str) -> LoadedRule | None:
    code = rule_index().get(code_or_name.strip().upper())
    return next((r for r in load_rules() if r.rule.code == code), None)
