"""Repository layout rules that no single package owns: the benchmarks and the test suite share
real-component helpers through ``harness/``, never by one importing the other."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_bench_does_not_import_tests() -> None:
    offenders = [p.name for p in sorted((ROOT / "bench").glob("*.py"))
                 if "tests" in _imported_roots(p)]
    assert offenders == []


def test_harness_does_not_import_tests_or_bench() -> None:
    offenders = [p.name for p in sorted((ROOT / "harness").glob("*.py"))
                 if _imported_roots(p) & {"tests", "bench"}]
    assert offenders == []
