"""Fixes on a copy of the real-manifest corpus change only what they say: every line the diff
removes belongs to a fix (removed lines <= findings resolved), and every changed file parses
to its original documents plus exactly the applied fixes."""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path

import pytest

from podfit.check.engine import run_check
from podfit.check.fixer import FixPlan, expect, parse, plan, write_fixes
from podfit.check.settings import CheckSettings
from podfit.core.models import FixSafety

CORPUS = Path(os.environ.get("PODFIT_CORPUS", "/work/shared/corpus")) / "k8s"

pytestmark = pytest.mark.skipif(not CORPUS.is_dir() and not os.environ.get(
    "PODFIT_REQUIRE_REAL"), reason="the shared manifest corpus is not on this machine")


def _lines(fixes: FixPlan) -> tuple[int, int]:
    added = removed = 0
    for outcome in fixes.outcomes:
        for line in difflib.unified_diff(outcome.before.splitlines(),
                                         outcome.after.splitlines(), n=0, lineterm=""):
            if line.startswith(("+++", "---")):
                continue
            added += line.startswith("+")
            removed += line.startswith("-")
    return added, removed


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "all"])
def test_corpus_fixes_are_minimal(tmp_path: Path, unsafe: bool,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(CORPUS, tmp_path / "k8s")
    monkeypatch.chdir(tmp_path)
    before = run_check(["k8s"], CheckSettings())
    fixes = plan(before.findings, unsafe=unsafe)
    applied = sum(o.applied for o in fixes.outcomes)
    added, removed = _lines(fixes)
    print(f"\ncorpus fixes ({'all' if unsafe else 'safe'}): {len(fixes.outcomes)} files, "
          f"{applied} findings, +{added} -{removed} lines, {len(fixes.dropped)} dropped")
    assert fixes.outcomes
    assert applied >= len(fixes.outcomes)
    assert removed <= applied  # only a one-line flow collection is ever rewritten
    assert not fixes.dropped, [d.note() for d in fixes.dropped][:5]
    for outcome in fixes.outcomes:
        edits = [e for fix in outcome.fixes for e in fix.yaml_edits]
        assert parse(outcome.after) == expect(parse(outcome.before), edits), outcome.path
    write_fixes(fixes.outcomes)
    # Idempotent: the same fixes again change nothing (with unsafe fixes, a new run may find
    # a follow-up, as one rule's securityContext makes room for another rule's key).
    assert plan(before.findings, unsafe=unsafe).outcomes == ()
    after = run_check(["k8s"], CheckSettings())
    if not unsafe:
        def safe(result: list) -> int:  # type: ignore[type-arg]
            return sum(1 for f in result if f.fix and f.fix.safety is FixSafety.SAFE)
        assert safe(after.findings) == safe(before.findings) - applied
