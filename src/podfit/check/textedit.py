"""Text edits at (line, column) points, in the file's own line ending, and the check that a
Dockerfile fix changed its instruction only (continuations, heredocs and the rest intact)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import PurePosixPath
from typing import Any

import dockerfile

from podfit.core.models import TextEdit

_LONE_LF = re.compile(r"(?<!\r)\n")


def newline_of(text: str) -> str:
    """The file's line ending: CRLF when most of its lines end so."""
    crlf = text.count("\r\n")
    return "\r\n" if crlf and crlf * 2 >= text.count("\n") else "\n"


def _line_starts(text: str) -> list[int]:
    # Only "\n" ends a line here, as in editors and git (str.splitlines also splits on
    # form feeds and Unicode separators, which would shift every offset after them).
    return [0, *(m.end() for m in re.finditer("\n", text))]


def offset(starts: Sequence[int], text: str, line: int, column: int) -> int:
    """The offset of a (1-based line, 0-based column) point; a column past the line's end is
    the line's end (before its line break), never the next line."""
    if line > len(starts):
        return len(text)
    start = starts[max(line, 1) - 1]
    end = starts[line] - 1 if line < len(starts) else len(text)
    if end > start and text[end - 1] == "\r" and line < len(starts):
        end -= 1
    return min(start + column, end)


def span(text: str, edit: TextEdit) -> tuple[int, int]:
    starts = _line_starts(text)
    return (offset(starts, text, edit.line, edit.column),
            offset(starts, text, edit.end_line, edit.end_column))


def apply_text_edits(text: str, edits: Iterable[TextEdit]) -> str:
    """``text`` with ``edits`` applied; an edit overlapping a later one is dropped, and new
    lines take the file's line ending."""
    newline = newline_of(text)
    ordered = sorted(set(edits), key=lambda e: (e.line, e.column), reverse=True)
    result, limit = text, len(text) + 1
    for edit in ordered:
        start, end = span(text, edit)
        if end > limit or end < start:
            continue
        replacement = edit.replacement
        if newline != "\n":
            replacement = _LONE_LF.sub(newline, replacement)
        result = result[:start] + replacement + result[end:]
        limit = start
    return result


def is_dockerfile(path: str) -> bool:
    name = PurePosixPath(path).name.lower()
    return name.startswith(("dockerfile", "containerfile")) or name.endswith(
        (".dockerfile", ".containerfile"))


def _key(command: Any) -> tuple[object, ...]:
    return (command.cmd, command.sub_cmd, command.json, command.original, command.flags,
            command.value, command.heredocs)


def dockerfile_problem(before: str, after: str, edits: Sequence[TextEdit]) -> str | None:
    """Why ``after`` is not ``before`` plus only the edited instructions' change, or None."""
    try:
        old = dockerfile.parse_string(before)
    except dockerfile.GoParseError:
        return None  # nothing to compare against; the edit stays as the rule wrote it
    try:
        new = dockerfile.parse_string(after)
    except dockerfile.GoParseError as error:
        return f"the Dockerfile no longer parses ({error})"
    first = min(e.line for e in edits)
    last = max(e.end_line - (1 if e.end_column == 0 and e.end_line > e.line else 0)
               for e in edits)
    inserting = all(e.column == 0 and (e.line, e.column) == (e.end_line, e.end_column)
                    for e in edits)
    prefix = [c for c in old if c.end_line < first]
    suffix = [c for c in old if (c.start_line >= first if inserting else c.start_line > last)]
    middle = old[len(prefix):len(old) - len(suffix)]
    if inserting and middle:
        return "the inserted lines land inside an instruction"
    kept_head = [_key(c) for c in new[:len(prefix)]] == [_key(c) for c in prefix]
    kept_tail = not suffix or [_key(c) for c in new[len(new) - len(suffix):]] == [
        _key(c) for c in suffix]
    if not (kept_head and kept_tail) or len(new) < len(prefix) + len(suffix):
        return "an instruction the fix does not touch changed"
    changed = new[len(prefix):len(new) - len(suffix)]
    # Instructions whose every line an edit deletes are expected to go.
    deleted = {id(c) for c in middle for e in edits if not e.replacement and e.column == 0
               and e.end_column == 0 and e.line <= c.start_line and e.end_line > c.end_line}
    expected = [c.cmd for c in middle if id(c) not in deleted]
    for edit in edits:
        if "\n" in edit.replacement:  # a whole new instruction
            try:
                expected += [c.cmd for c in dockerfile.parse_string(edit.replacement.strip())]
            except dockerfile.GoParseError:
                return "the inserted lines do not parse"
    # Counted, not named: a fix may change the keyword itself (ADD becomes COPY).
    if len(changed) != len(expected):
        return ("the edited lines parse as "
                f"{' + '.join(c.cmd for c in changed) or 'nothing'}, not "
                f"{' + '.join(expected)} (a broken continuation?)")
    return None
