"""Write rendered files safely: idempotent, never overwriting a changed file without force."""

from __future__ import annotations

import difflib
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


class Action(enum.Enum):
    CREATE = "create"
    UNCHANGED = "unchanged"
    UPDATE = "update"
    """Differs from what is on disk; written only with force."""
    MERGE = "merge"
    """A line-list file the project already has (``.dockerignore``): init appends the lines
    it needs and keeps the project's own; written without force."""

#: Files whose lines are a set: an existing one is merged, never replaced or left incomplete.
MERGEABLE = frozenset({".dockerignore"})
MERGE_HEADER = "# Added by `podfit init` (the build needs these; your lines above are kept):"


def merge_lines(old: str, new: str) -> str:
    """``old`` plus every meaningful line of ``new`` it lacks (comments and blanks skipped).
    A project line that re-includes (``!x``) something init excludes is kept after init's."""
    have = {line.strip() for line in old.splitlines()}
    needed = [line for line in new.splitlines()
              if line.strip() and not line.startswith("#") and line.strip() not in have]
    if not needed:
        return old
    body = old if old.endswith("\n") or not old else old + "\n"
    if MERGE_HEADER in body:
        return body + "\n".join(needed) + "\n"
    return body + "\n" + MERGE_HEADER + "\n" + "\n".join(needed) + "\n"


@dataclass(frozen=True)
class FileChange:
    path: str
    action: Action
    new: str
    old: str | None

    def diff(self) -> str:
        old = (self.old or "").splitlines(keepends=True)
        new = self.new.splitlines(keepends=True)
        return "".join(difflib.unified_diff(old, new, f"a/{self.path}", f"b/{self.path}"))


def plan_changes(root: Path, files: Mapping[str, str]) -> list[FileChange]:
    """Compare rendered files with the disk; nothing is written."""
    changes = []
    for rel, text in files.items():
        path = root / rel
        old = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else None
        if old is None:
            action = Action.CREATE
        elif old == text:
            action = Action.UNCHANGED
        elif rel.rsplit("/", 1)[-1] in MERGEABLE and not old.startswith("# Written by `podfit"):
            merged = merge_lines(old, text)
            action = Action.UNCHANGED if merged == old else Action.MERGE
            changes.append(FileChange(rel, action, merged, old))
            continue
        else:
            action = Action.UPDATE
        changes.append(FileChange(rel, action, text, old))
    return changes


def apply_changes(root: Path, changes: list[FileChange], *, force: bool) -> list[FileChange]:
    """Write created files, and updated ones when ``force``; return what was written."""
    written = []
    for change in changes:
        if change.action is Action.UNCHANGED or (change.action is Action.UPDATE and not force):
            continue
        path = root / change.path
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".podfit-tmp")
        tmp.write_text(change.new, encoding="utf-8")
        tmp.replace(path)
        written.append(change)
    return written
