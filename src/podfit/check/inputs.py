"""Which files ``check`` reads: walking directories honours .gitignore and ``exclude``."""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

_ALWAYS_SKIPPED = {".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__",
                   ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages"}


def kind_of(name: str, parent: str = "") -> str | None:
    """The kind of input a file name (in folder ``parent``) denotes, or ``None`` when
    ``check`` does not read it."""
    lower = name.lower()
    if lower in {"dockerfile", "containerfile"} or lower.endswith(".dockerfile") or \
            lower.startswith(("dockerfile.", "containerfile.")):
        return "dockerfile"
    if lower.endswith((".yaml", ".yml")):
        return "yaml"
    if lower == ".dockerignore":
        return "dockerignore"
    if lower == "procfile":
        return "procfile"
    if lower == "pyproject.toml":
        return "pyproject"
    if (lower.startswith("requirements") or parent.lower() == "requirements") and \
            lower.endswith((".txt", ".in")):
        return "requirements"
    if lower.endswith(".py") and "gunicorn" in lower:
        return "gunicorn"
    if lower.endswith(".sh") or lower in {"entrypoint", "docker-entrypoint", "start", "run"}:
        return "shell"
    return None


@dataclass(frozen=True)
class Pattern:
    base: str
    regex: re.Pattern[str]
    negate: bool
    dir_only: bool


def _compile(base: str, line: str) -> Pattern | None:
    line = line.rstrip()
    if not line or line.startswith("#"):
        return None
    negate = line.startswith("!")
    if negate:
        line = line[1:]
    dir_only = line.endswith("/")
    line = line.rstrip("/")
    # A slash at the start or in the middle anchors the pattern to its .gitignore's folder.
    anchored = "/" in line
    line = line.lstrip("/")
    regex = fnmatch.translate(line).replace(".*", "[^/]*").replace("[^/]*[^/]*", ".*")
    if not anchored:
        regex = r"(?:.*/)?" + regex
    return Pattern(base, re.compile(regex), negate, dir_only)


class IgnoreRules:
    """.gitignore semantics (enough of them): per-directory files, negation, dir-only."""

    def __init__(self, exclude: tuple[str, ...]) -> None:
        self.patterns: list[Pattern] = []
        for item in exclude:
            compiled = _compile("", item)
            if compiled:
                self.patterns.append(compiled)

    def add_file(self, directory: str, path: Path) -> None:
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return
        for line in lines:
            compiled = _compile(directory, line)
            if compiled:
                self.patterns.append(compiled)

    def ignored(self, rel: str, is_dir: bool) -> bool:
        result = False
        for pattern in self.patterns:
            if pattern.dir_only and not is_dir:
                continue
            if pattern.base:
                if not rel.startswith(pattern.base + "/"):
                    continue
                target = rel[len(pattern.base) + 1:]
            else:
                target = rel
            if pattern.regex.fullmatch(target):
                result = not pattern.negate
        return result


def walk(root: Path, exclude: tuple[str, ...]) -> Iterator[tuple[Path, str]]:
    """Yield ``(path, kind)`` for every readable input below ``root``."""
    rules = IgnoreRules(exclude)
    for directory, dirnames, filenames in os.walk(root):
        here = Path(directory)
        rel_dir = here.relative_to(root).as_posix()
        rel_dir = "" if rel_dir == "." else rel_dir
        if ".gitignore" in filenames:
            rules.add_file(rel_dir, here / ".gitignore")
        is_chart = "Chart.yaml" in filenames
        keep = []
        for name in sorted(dirnames):
            rel = f"{rel_dir}/{name}" if rel_dir else name
            if name in _ALWAYS_SKIPPED or rules.ignored(rel, True):
                continue
            if is_chart and name == "templates":
                continue  # Helm templates are not YAML until rendered: pipe `helm template`
            keep.append(name)
        dirnames[:] = keep
        for name in sorted(filenames):
            kind = kind_of(name, here.name)
            rel = f"{rel_dir}/{name}" if rel_dir else name
            if kind and not rules.ignored(rel, False):
                yield here / name, kind
