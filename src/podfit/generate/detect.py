"""Static detection of a Python project: everything ``init`` needs, read without running it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from podfit.core.config import load_project
from podfit.core.errors import InputError
from podfit.generate.deps import DepFacts, detect_deps, read_toml
from podfit.generate.source import SourceFacts, detect_source


@dataclass(frozen=True)
class AppFacts:
    """What podfit learned about a project, before any decision is made."""

    root: Path
    name: str
    deps: DepFacts
    source: SourceFacts
    config: dict[str, Any]
    """``[tool.podfit]`` from pyproject.toml (or ``podfit.toml``); init's own keys are in its
    ``init`` sub-table, validated by the Plan."""
    gitignore: tuple[str, ...]


def dns_name(text: str) -> str:
    """A DNS-1123 label (Kubernetes object names) from a directory or project name."""
    name = re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")[:50].strip("-")
    return name or "app"


def detect(root: Path, *, deps: str | None = None, python: str | None = None) -> AppFacts:
    """Read the project at ``root``; raise ``InputError`` when it is not a Python project."""
    if not root.is_dir():
        raise InputError(f"{root} is not a directory", "pass the project's directory")
    config = dict(load_project(root).data)  # core's one loader: same file as check's
    own = config.get("init", {}) if isinstance(config.get("init"), dict) else {}
    dep_facts = detect_deps(root, deps or own.get("deps"), python or own.get("python"))
    source = detect_source(root)
    project_name = ""
    if (root / "pyproject.toml").is_file():
        data = read_toml(root / "pyproject.toml")
        project_name = str(data.get("project", {}).get("name")
                           or data.get("tool", {}).get("poetry", {}).get("name") or "")
    name = dns_name(str(own.get("name") or project_name or root.resolve().name))
    gitignore: tuple[str, ...] = ()
    if (root / ".gitignore").is_file():
        gitignore = tuple(
            line.strip() for line in (root / ".gitignore").read_text(errors="replace").splitlines()
            if line.strip() and not line.lstrip().startswith("#"))
    return AppFacts(root, name, dep_facts, source, config, gitignore)
