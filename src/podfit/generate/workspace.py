"""uv and Poetry workspaces: a member folder's lock file and Python pin live at the root."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: How far up a member may sit below its workspace root.
MAX_LEVELS = 5


@dataclass(frozen=True)
class Workspace:
    root: Path
    member: str
    """The project's folder relative to the root (posix), e.g. ``packages/api``."""
    members: tuple[str, ...]
    """Every member folder relative to the root (the build needs their pyproject.toml)."""
    kind: str
    """``uv`` or ``poetry``."""
    package: str
    """The member's project name (``uv export --package``)."""


def _toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}


def _members(root: Path, patterns: list[str]) -> tuple[str, ...]:
    found: list[str] = []
    for pattern in patterns:
        for path in sorted(root.glob(str(pattern))):
            if (path / "pyproject.toml").is_file():
                found.append(path.relative_to(root).as_posix())
    return tuple(dict.fromkeys(found))


def find_workspace(project: Path) -> Workspace | None:
    """The workspace whose members include ``project`` (walking up), or ``None``."""
    project = project.resolve()
    here = project.parent
    for _ in range(MAX_LEVELS):
        data = _toml(here / "pyproject.toml") if (here / "pyproject.toml").is_file() else {}
        tool = data.get("tool", {})
        uv = tool.get("uv", {}).get("workspace")
        poetry = tool.get("poetry", {}).get("workspace")  # poetry-workspace plugin layout
        for kind, table in (("uv", uv), ("poetry", poetry)):
            if not isinstance(table, dict):
                continue
            members = _members(here, list(table.get("members", [])))
            member = project.relative_to(here).as_posix()
            if member in members:
                name = str(_toml(project / "pyproject.toml").get("project", {}).get("name", ""))
                return Workspace(here, member, members, kind, name or project.name)
        if (here / ".git").exists() or here.parent == here:
            return None
        here = here.parent
    return None
