"""Every rule with a fix, on inputs in many styles: the fixed file must equal, byte for byte,
the case's ``after/`` file (reviewed by hand); files without an ``after/`` copy must not change.

A case is ``tests/check/fix/<code>-<style>/before/...`` (and an optional ``settings.json`` of
:class:`CheckSettings` fields); the code selects the rule, and its safe and unsafe fixes are
both applied (``--fix`` applies the safe ones; the editing is the
same). Each case also runs with CRLF line endings and without a final newline, where the
expected bytes are the same transformation of ``after/``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from podfit.check.engine import run_check
from podfit.check.fixer import expect, parse, plan, write_fixes
from podfit.check.settings import CheckSettings
from podfit.core.models import FixSafety

FIXTURES = Path(__file__).parent / "fix"
CASES = sorted(p for p in FIXTURES.iterdir() if (p / "before").is_dir())


def _crlf(data: bytes) -> bytes:
    return re.sub(rb"(?<!\r)\n", b"\r\n", data)


def _no_final_newline(data: bytes) -> bytes:
    return data[:-2] if data.endswith(b"\r\n") else data[:-1] if data.endswith(b"\n") else data


VARIANTS: dict[str, Callable[[bytes], bytes]] = {
    "as-written": lambda data: data, "crlf": _crlf, "no-final-newline": _no_final_newline}


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _run(root: Path, code: str, settings: CheckSettings) -> list:  # type: ignore[type-arg]
    result = run_check([str(root)], settings, select=(code,))
    assert not result.errors, result.errors
    return [f for f in result.findings if f.code == code and f.fix is not None]


def test_there_is_a_case_per_rule_with_a_fix() -> None:
    from podfit.check.registry import load_rules

    with_fix = {r.rule.code for r in load_rules() if r.rule.fix is not FixSafety.NONE}
    covered = {case.name.split("-")[0].upper() for case in CASES}
    assert with_fix - covered == set(), "add a tests/check/fix/<code>-<style>/ case"


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_fix_is_exact(case: Path, variant: str, tmp_path: Path) -> None:
    code, change = case.name.split("-")[0].upper(), VARIANTS[variant]
    before, after = _files(case / "before"), _files(case / "after")
    assert set(after) <= set(before)
    for name, data in before.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(change(data))
    config = case / "settings.json"
    settings = CheckSettings(**json.loads(config.read_text())) if config.exists() else \
        CheckSettings()
    findings = _run(tmp_path, code, settings)
    assert findings, f"{case.name}: {code} finds nothing to fix"
    fixes = plan(findings, unsafe=True)
    assert not fixes.dropped, [d.note() for d in fixes.dropped]
    for outcome in fixes.outcomes:  # the structural check, asserted here too
        edits = [e for fix in outcome.fixes for e in fix.yaml_edits]
        if edits:
            assert parse(outcome.after) == expect(parse(outcome.before), edits)
    write_fixes(fixes.outcomes)
    for name, data in before.items():
        assert (tmp_path / name).read_bytes() == change(after.get(name, data)), name
    again = plan(_run(tmp_path, code, settings), unsafe=True)
    assert again.outcomes == (), f"{case.name}: not idempotent"
