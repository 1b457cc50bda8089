"""Rewrite every case's ``after/`` from its ``before/`` with the current fixer, printing each
diff: run ``python -m tests.check.fix.regen [CASE...]`` and review every diff before committing
(the fixtures are reviewed expectations, not a snapshot to accept blindly)."""

from __future__ import annotations

import difflib
import json
import shutil
import sys
import tempfile
from pathlib import Path

from podfit.check.engine import run_check
from podfit.check.fixer import plan, write_fixes
from podfit.check.settings import CheckSettings

HERE = Path(__file__).parent


def regenerate(case: Path) -> None:
    code = case.name.split("-")[0].upper()
    config = case / "settings.json"
    settings = CheckSettings(**json.loads(config.read_text())) if config.exists() else \
        CheckSettings()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / case.name
        shutil.copytree(case / "before", work)
        result = run_check([str(work)], settings, select=(code,))
        fixes = plan([f for f in result.findings if f.code == code], unsafe=True)
        for note in fixes.dropped:
            print(f"{case.name}: dropped: {note.note()}")
        write_fixes(fixes.outcomes)
        shutil.rmtree(case / "after", ignore_errors=True)
        for outcome in fixes.outcomes:
            name = Path(outcome.path).relative_to(work)
            (case / "after" / name).parent.mkdir(parents=True, exist_ok=True)
            (case / "after" / name).write_bytes((work / name).read_bytes())
            print(f"== {case.name}/{name}")
            sys.stdout.writelines(difflib.unified_diff(
                outcome.before.splitlines(True), outcome.after.splitlines(True), n=1))


if __name__ == "__main__":
    names = set(sys.argv[1:])
    for case in sorted(p for p in HERE.iterdir() if (p / "before").is_dir()):
        if not names or case.name in names:
            regenerate(case)
