"""Test helpers for rules: write files into a temp dir, run check, compare exact results."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path
from typing import Any

from podfit.check.engine import run_check
from podfit.check.settings import CheckSettings
from podfit.core.models import CheckResult


def write_files(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def check_files(root: Path, files: dict[str, str], select: tuple[str, ...] = (),
                **settings: Any) -> CheckResult:
    write_files(root, files)
    base = CheckSettings()
    if settings:
        base = dataclasses.replace(base, **settings)
    return run_check([str(root)], base, select=select)


def hits(root: Path, files: dict[str, str], code: str, **settings: Any) -> list[tuple[str, int]]:
    """``[(relative path, line)]`` of the findings of rule ``code`` on ``files``."""
    result = check_files(root, files, (code,), **settings)
    assert not result.errors, result.errors
    prefix = str(root) + "/"
    return sorted((f.path.removeprefix(prefix), f.line) for f in result.findings
                  if f.code == code)
