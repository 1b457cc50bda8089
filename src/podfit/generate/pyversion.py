"""The Python minor version an app needs, from the files the ecosystem's tools honour, in
their order; an unsupported or unsatisfiable pin is an error, never a silent fallback."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from podfit.core.errors import UsageError
from podfit.core.python_eol import end_of_life

SUPPORTED_PYTHONS = ("3.9", "3.10", "3.11", "3.12", "3.13", "3.14")
DEFAULT_PYTHON = "3.12"
HINT = "pass --python 3.X (one of " + ", ".join(SUPPORTED_PYTHONS) + ")"


def allows(spec: str, minor: str) -> bool:
    """Whether a specifier such as ``>=3.10,<4``, ``^3.11`` or ``~=3.9`` allows ``minor``."""
    version = tuple(int(p) for p in minor.split("."))
    for part in re.split(r"[,|]", spec.replace(" ", "")):
        if not part or part == "*":
            continue
        m = re.fullmatch(r"(\^|~=|~|>=|<=|==|!=|>|<)?(\d+)(?:\.(\d+|\*))?(?:\.[\d*]+)?", part)
        if not m:
            return False
        op, major = m.group(1) or "==", int(m.group(2))
        mnr = int(m.group(3)) if m.group(3) and m.group(3) != "*" else 0
        bound = (major, mnr)
        exact = bool(m.group(3)) and m.group(3) != "*"
        ok = {
            "^": bound <= version < (major + 1, 0), "~": version == bound,
            "~=": bound <= version, ">=": version >= bound, ">": version > bound,
            "<": version < bound,
            "<=": version <= bound, "!=": version != bound if exact else version[0] != major,
            "==": version == bound if exact else version[0] == major,
        }[op]
        if op == ">" and len(part.split(".")) > 2:
            ok = version >= bound  # >3.11.2 still allows 3.11
        if not ok:
            return False
    return True


def _maintained(minor: str) -> bool:
    major, mnr = (int(p) for p in minor.split("."))
    return end_of_life((major, mnr)) is None


def _lowest(spec: str, source: str) -> tuple[str, str]:
    """The lowest allowed release still maintained (security fixes), else the newest allowed:
    an end-of-life interpreter is never picked while a maintained one fits."""
    fits = [minor for minor in SUPPORTED_PYTHONS if allows(spec, minor)]
    maintained = [minor for minor in fits if _maintained(minor)]
    if maintained:
        skipped = fits[:fits.index(maintained[0])]
        note = f" ({', '.join(skipped)}: end of life)" if skipped else ""
        return maintained[0], (f"lowest maintained version allowed by {source} {spec!r}"
                               + note)
    if fits:
        return fits[-1], (f"newest version allowed by {source} {spec!r}; every allowed "
                          "version is past its end of life: upgrade when you can")
    raise UsageError(f"no supported Python satisfies {source} {spec!r} (podfit supports "
                     f"{SUPPORTED_PYTHONS[0]}-{SUPPORTED_PYTHONS[-1]})", HINT)


def _pinned(minor: str, source: str) -> tuple[str, str]:
    if minor not in SUPPORTED_PYTHONS:
        raise UsageError(f"{source} asks for Python {minor}, which podfit does not support "
                         f"({SUPPORTED_PYTHONS[0]}-{SUPPORTED_PYTHONS[-1]})", HINT)
    return minor, f"{source} pins {minor}"


def _toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}


def detect_python(root: Path, workspace_root: Path | None, pyproject: dict[str, Any],
                  override: str | None) -> tuple[str, str]:
    """Python minor version and its source."""
    if override:
        return _pinned(str(override), "--python (or [tool.podfit.init] python)")
    for base in (root, workspace_root):
        if base is None:
            continue
        pv = base / ".python-version"
        if pv.is_file():
            m = re.match(r"\s*(?:python-?|cpython-?)?(3\.\d+)", pv.read_text(errors="replace"))
            if m:
                where = ".python-version" if base == root else "the workspace's .python-version"
                return _pinned(m.group(1), where)
    rt = root / "runtime.txt"
    if rt.is_file():
        m = re.match(r"\s*python-(3\.\d+)", rt.read_text(errors="replace"))
        if m:
            return _pinned(m.group(1), "runtime.txt")
    requires = pyproject.get("project", {}).get("requires-python")
    if not isinstance(requires, str) and workspace_root is not None:
        ws = _toml(workspace_root / "pyproject.toml")
        requires = ws.get("project", {}).get("requires-python")
    if isinstance(requires, str):
        return _lowest(requires, "requires-python")
    pipfile = root / "Pipfile"
    if pipfile.is_file():
        req = _toml(pipfile).get("requires", {})
        full = req.get("python_full_version") or req.get("python_version")
        if isinstance(full, str) and (m := re.match(r"(3\.\d+)", full)):
            return _pinned(m.group(1), "Pipfile [requires]")
    poetry_py = pyproject.get("tool", {}).get("poetry", {}).get("dependencies", {}).get("python")
    if isinstance(poetry_py, str):
        return _lowest(poetry_py, "Poetry's python =")
    return DEFAULT_PYTHON, (f"no version pinned anywhere (.python-version, runtime.txt, "
                            f"requires-python, Pipfile, Poetry): {DEFAULT_PYTHON}, a maintained "
                            "default; pin one to choose")
