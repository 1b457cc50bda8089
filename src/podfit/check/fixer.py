"""Applies safe fixes: text edits as written, YAML edits through a comment-keeping round trip.
The caller re-checks afterwards; every fix must be idempotent (re-running changes nothing)."""

from __future__ import annotations

import difflib
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from podfit.core.models import Finding, FixSafety, TextEdit, YamlEdit


@dataclass(frozen=True)
class FixOutcome:
    path: str
    before: str
    after: str
    applied: int

    def diff(self) -> str:
        return "".join(difflib.unified_diff(
            self.before.splitlines(keepends=True), self.after.splitlines(keepends=True),
            fromfile=f"a/{self.path}", tofile=f"b/{self.path}"))


def apply_text_edits(text: str, edits: Iterable[TextEdit]) -> str:
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def offset(line: int, column: int) -> int:
        return offsets[min(max(line, 1), len(offsets)) - 1] + column

    # Apply back to front so earlier offsets stay valid; drop overlapping edits.
    ordered = sorted(set(edits), key=lambda e: (e.line, e.column), reverse=True)
    result, limit = text, len(text) + 1
    for edit in ordered:
        start, end = offset(edit.line, edit.column), offset(edit.end_line, edit.end_column)
        if end > limit:
            continue
        result = result[:start] + edit.replacement + result[end:]
        limit = start
    return result


def apply_yaml_edits(text: str, edits: Iterable[YamlEdit]) -> str:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    docs: list[Any] = list(yaml.load_all(text))
    changed = False
    for edit in edits:
        if edit.document >= len(docs):
            continue
        node: Any = docs[edit.document]
        for step in edit.path:
            try:
                node = node[step]
            except (KeyError, IndexError, TypeError):
                node = None
                break
        if not hasattr(node, "__setitem__") or isinstance(node, list):
            continue
        if edit.op == "append":
            items = node.get(edit.key)
            if items is None:
                node[edit.key] = items = []
            if isinstance(items, list) and edit.value not in items:
                items.append(edit.value)
                changed = True
            continue
        if edit.op == "setdefault" and edit.key in node:
            continue
        if node.get(edit.key) != edit.value:
            node[edit.key] = edit.value
            changed = True
    if not changed:
        return text
    out = io.StringIO()
    yaml.dump_all(docs, out)
    rendered = out.getvalue()
    if text.lstrip().startswith("---") and not rendered.lstrip().startswith("---"):
        rendered = "---\n" + rendered
    return rendered


def plan_fixes(findings: Iterable[Finding], root: Path | None = None) -> list[FixOutcome]:
    """Compute (without writing) what the safe fixes of ``findings`` would change."""
    text_edits: dict[str, list[TextEdit]] = defaultdict(list)
    yaml_edits: dict[str, list[YamlEdit]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)
    for finding in findings:
        fix = finding.fix
        if fix is None or fix.safety is not FixSafety.SAFE or finding.path.startswith("<"):
            continue
        text_edits[finding.path] += fix.text_edits
        yaml_edits[finding.path] += fix.yaml_edits
        counts[finding.path] += 1
    outcomes = []
    for path in sorted(counts):
        file = (root / path) if root else Path(path)
        before = file.read_text(encoding="utf-8")
        after = apply_text_edits(before, text_edits[path]) if text_edits[path] else before
        if yaml_edits[path]:
            after = apply_yaml_edits(after, yaml_edits[path])
        if after != before:
            outcomes.append(FixOutcome(path, before, after, counts[path]))
    return outcomes


def write_fixes(outcomes: Iterable[FixOutcome], root: Path | None = None) -> None:
    for outcome in outcomes:
        ((root / outcome.path) if root else Path(outcome.path)).write_text(
            outcome.after, encoding="utf-8")
