"""Applies fixes as minimal text edits, one fix at a time, and keeps a fix only when the file
re-parses to the original plus exactly that fix's change; dropped fixes carry a reason.
Every fix is idempotent: once applied, its edits find nothing left to change."""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from podfit.check.textedit import apply_text_edits, dockerfile_problem, is_dockerfile, span
from podfit.check.textedit_yaml import CannotEdit, apply_edit
from podfit.core.models import Finding, Fix, FixSafety, YamlEdit
from podfit.core.yamlsrc import YamlTooLarge, load_documents

__all__ = ["Dropped", "FixOutcome", "FixPlan", "apply_text_edits", "apply_yaml_edits", "expect",
           "parse", "plan", "plan_fixes", "write_fixes"]


@dataclass(frozen=True)
class FixOutcome:
    """One file's text before and after its fixes; ``applied`` counts the findings resolved."""

    path: str
    before: str
    after: str
    applied: int
    fixes: tuple[Fix, ...] = ()

    def diff(self) -> str:
        lines = difflib.unified_diff(
            self.before.splitlines(keepends=True), self.after.splitlines(keepends=True),
            fromfile=f"a/{self.path}", tofile=f"b/{self.path}")
        # As git and patch write it, so the diff applies to a file without a final newline.
        return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                       for line in lines)


@dataclass(frozen=True)
class Dropped:
    """A fix left out because applying it would have changed more (or other) than it says."""

    finding: Finding
    reason: str

    def note(self) -> str:
        fix = self.finding.fix
        what = fix.description if fix else "fix"
        return (f"{self.finding.path}:{self.finding.line}: {self.finding.code} fix "
                f"'{what}' not applied: {self.reason}")


@dataclass(frozen=True)
class FixPlan:
    """What the fixes change (changed files only) and which fixes were left out, and why."""

    outcomes: tuple[FixOutcome, ...]
    dropped: tuple[Dropped, ...]


def apply_yaml_edits(text: str, edits: Iterable[YamlEdit]) -> str:
    """``text`` with ``edits`` applied in order, unverified; an edit with no in-place form
    changes nothing."""
    for edit in edits:
        try:
            text = apply_edit(text, edit)
        except CannotEdit:
            continue
    return text


def plan(findings: Iterable[Finding], root: Path | None = None, *,
         unsafe: bool = False) -> FixPlan:
    """Compute (without writing) what the safe (``unsafe``: all) fixes would change."""
    by_path: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        fix = finding.fix
        if fix is None or finding.path.startswith("<"):
            continue
        if fix.safety is FixSafety.SAFE or unsafe:
            by_path[finding.path].append(finding)
    outcomes, dropped = [], []
    for path in sorted(by_path):
        file = (root / path) if root else Path(path)
        try:
            before = file.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as error:
            dropped += [Dropped(f, f"cannot read the file ({error})") for f in by_path[path]]
            continue
        outcome, lost = _fix_file(path, before, by_path[path])
        dropped += lost
        if outcome.after != before:
            outcomes.append(outcome)
    return FixPlan(tuple(outcomes), tuple(dropped))


def plan_fixes(findings: Iterable[Finding], root: Path | None = None) -> list[FixOutcome]:
    """The changed files of :func:`plan` (safe fixes only)."""
    return list(plan(findings, root).outcomes)


def write_fixes(outcomes: Iterable[FixOutcome], root: Path | None = None) -> None:
    for outcome in outcomes:
        # Bytes, so that CRLF line endings are written back as they were read.
        ((root / outcome.path) if root else Path(outcome.path)).write_bytes(
            outcome.after.encode("utf-8"))


def _fix_file(path: str, text: str,
              findings: Sequence[Finding]) -> tuple[FixOutcome, list[Dropped]]:
    current, dropped = text, list[Dropped]()
    applied: list[Fix] = []  # in the order applied; a finding with an equal fix shares it
    done_text: list[Fix] = []
    done_yaml: list[Fix] = []
    resolved: set[int] = set()  # ids of the findings whose fix is in the file now

    def reach(finding: Finding) -> int:
        assert finding.fix is not None
        return max(span(text, e)[1] for e in finding.fix.text_edits)

    textual = sorted((f for f in findings if f.fix and f.fix.text_edits), key=reach,
                     reverse=True)
    # Back to front: every fix applied so far lies after the next one, so the next one's
    # (line, column) points, taken from the original file, still hold.
    limit = len(text) + 1
    for finding in textual:
        fix = finding.fix
        assert fix is not None
        if fix in done_text:
            resolved.add(id(finding))
            continue
        start = min(span(text, e)[0] for e in fix.text_edits)
        if reach(finding) > limit:
            dropped.append(Dropped(finding, "it overlaps another fix on the same lines"))
            continue
        new = apply_text_edits(current, fix.text_edits)
        problem = dockerfile_problem(current, new, fix.text_edits) if is_dockerfile(path) \
            else None
        if problem:
            dropped.append(Dropped(finding, problem))
        elif new != current:
            current, limit = new, start
            done_text.append(fix)
            resolved.add(id(finding))
    for finding in findings:
        fix = finding.fix
        if fix is None or not fix.yaml_edits:
            continue
        if fix in done_yaml:
            resolved.add(id(finding))
            continue
        new, problem = _yaml_fix(current, fix.yaml_edits)
        if problem:
            dropped.append(Dropped(finding, problem))
        elif new != current:
            current = new
            done_yaml.append(fix)
            resolved.add(id(finding))
    for fix in (*done_text, *done_yaml):
        if fix not in applied:
            applied.append(fix)
    return FixOutcome(path, text, current, len(resolved), tuple(applied)), dropped


def _yaml_fix(text: str, edits: Sequence[YamlEdit]) -> tuple[str, str | None]:
    new = text
    try:
        for edit in edits:
            new = apply_edit(new, edit)
    except CannotEdit as error:
        return text, f"no minimal edit for it ({error})"
    except yaml.YAMLError:
        return text, "the file does not parse as YAML"
    except (LookupError, TypeError, ValueError) as error:  # an unforeseen shape: never crash
        return text, f"no minimal edit for it ({type(error).__name__}: {error})"
    if new == text:
        return text, None
    expected, actual = expect(parse(text), edits), parse(new)
    if actual and isinstance(actual[-1], ParseStop) and actual[-1] not in expected:
        return text, f"the edited file no longer parses ({actual[-1].problem})"
    if actual != expected:
        return text, "re-parsed, the file differs from the original plus the fix"
    return new, None


def parse(text: str) -> list[Any]:
    """The plain values of every document up to one that does not parse, then what stopped
    the parse (its problem, without the position a fix may shift)."""
    values: list[Any] = []
    try:
        values += (_plain(d.data) for d in load_documents(text))
    except yaml.MarkedYAMLError as error:
        values.append(ParseStop(str(error.problem)))
    except (yaml.YAMLError, YamlTooLarge) as error:
        values.append(ParseStop(str(error)))
    return values


@dataclass(frozen=True)
class ParseStop:
    """Where a parse stopped, compared by problem: the documents before it still count."""

    problem: str


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def expect(documents: list[Any], edits: Iterable[YamlEdit]) -> list[Any]:
    """``documents`` with ``edits`` applied to the values: what a correct edit must parse to."""
    for edit in edits:
        if not 0 <= edit.document < len(documents):
            continue
        node: Any = documents[edit.document]
        try:
            for step in edit.path:
                node = node[step]
        except (KeyError, IndexError, TypeError):
            continue
        if not isinstance(node, dict):
            continue
        value = _plain(edit.value)
        if edit.op == "append":
            items = node.get(edit.key)
            if items is None:
                node[edit.key] = [value]
            elif isinstance(items, list) and value not in items:
                items.append(value)
        elif not (edit.op == "setdefault" and edit.key in node):
            node[edit.key] = value
    return documents

