"""Dependency facts read from files: manager, declared packages and their pins, the files a
build must copy, and what native packages need from the OS for the chosen Python."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from podfit.core.errors import InputError, UsageError
from podfit.core.packages import (
    native_package,
    normalize_name,
    parse_requirement,
    read_requirements,
    wheel_available,
)
from podfit.generate.pyversion import SUPPORTED_PYTHONS, detect_python
from podfit.generate.workspace import Workspace, find_workspace

#: Lock files and the manager each one belongs to, most specific first.
LOCK_FILES = {
    "uv.lock": "uv",
    "poetry.lock": "poetry",
    "pdm.lock": "pdm",
    "Pipfile.lock": "pipenv",
}
MANAGERS = ("requirements", "pip-tools", "poetry", "pdm", "pipenv", "uv", "pyproject")
__all__ = ["SUPPORTED_PYTHONS", "DepFacts", "NativeNeed", "canonical", "detect_deps",
           "read_toml"]


def canonical(name: str) -> str:
    """PEP 503 normalized project name (kept for callers; see core.packages)."""
    return normalize_name(name)


@dataclass(frozen=True)
class NativeNeed:
    """One native package as installed for the chosen Python: what the builder stage and the
    final stage need from the OS, and whether Alpine has a wheel."""

    name: str
    version: str | None
    build_packages: tuple[str, ...]
    runtime_packages: tuple[str, ...]
    alpine_build: tuple[str, ...]
    alpine_runtime: tuple[str, ...]
    musl_wheels: bool
    why: str


def read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"cannot read {path.name}: {exc}",
                         "fix the file's TOML syntax, then run podfit init again") from None


@dataclass(frozen=True)
class DepFacts:
    manager: str
    manager_reason: str
    packages: tuple[str, ...]
    python_version: str
    python_reason: str
    native: tuple[NativeNeed, ...]
    versions: tuple[tuple[str, str], ...] = ()
    """(name, pinned version) for every pin found (requirements, constraints, locks)."""
    files: tuple[str, ...] = ()
    """Dependency files the build copies before installing, relative to the build context."""
    workspace: Workspace | None = None
    """The uv/Poetry workspace the project is a member of (the build context is its root)."""
    lock_dir: str = ""
    """Where the lock file sits, relative to the build context ("" = the context root)."""


def detect_manager(root: Path, lock_root: Path, pyproject: dict[str, Any],
                   override: str | None) -> tuple[str, str]:
    """The dependency manager and why; several lock files without a tie-breaker → UsageError."""
    locks = [(f, m) for f, m in LOCK_FILES.items()
             if (root / f).is_file() or (lock_root / f).is_file()]
    if override:
        if override not in MANAGERS:
            raise UsageError(f"unknown dependency manager {override!r}",
                             f"use one of: {', '.join(MANAGERS)}")
        lock = {"uv": "uv.lock", "poetry": "poetry.lock", "pdm": "pdm.lock"}.get(override)
        if lock and lock not in {f for f, _ in locks}:
            raise UsageError(f"--deps {override} but no {lock} in {root} or its workspace root",
                             f"create it (e.g. `{override} lock`), or pick another --deps")
        return override, "set with --deps or [tool.podfit] deps"
    tools = pyproject.get("tool", {})
    if len(locks) > 1:
        # A [tool.<manager>] table or build backend names the one the project really uses.
        backend = str(pyproject.get("build-system", {}).get("build-backend", ""))
        owned = [(f, m) for f, m in locks if m in tools or m in backend]
        if len(owned) == 1:
            f, m = owned[0]
            others = ", ".join(x for x, _ in locks if x != f)
            return m, f"{f} and pyproject.toml's [tool.{m}] agree (ignored: {others})"
        raise UsageError(
            "several lock files: " + ", ".join(f for f, _ in locks),
            "choose one with --deps " + "|".join(m for _, m in locks)
            + " (or [tool.podfit] deps = ...), or delete the stale lock file")
    if locks:
        f, m = locks[0]
        where = "" if (root / f).is_file() else " at the workspace root"
        return m, f"{f} is present{where}: install exactly what it locks"
    if "poetry" in tools and "dependencies" in tools["poetry"]:
        return "poetry", "pyproject.toml has [tool.poetry.dependencies] (no poetry.lock yet)"
    if (root / "Pipfile").is_file():
        return "pipenv", "Pipfile is present (no Pipfile.lock yet)"
    if (root / "requirements.txt").is_file():
        if (root / "requirements.in").is_file():
            return "pip-tools", "requirements.txt compiled from requirements.in (pip-tools)"
        return "requirements", "requirements.txt is present"
    if "project" in pyproject:
        return "pyproject", "pyproject.toml [project] dependencies, no lock file"
    raise InputError(f"no dependency file in {root}",
                     "add requirements.txt or a pyproject.toml [project] table "
                     "(or a Poetry/PDM/Pipenv/uv lock file)")


def _pins(root: Path, lock_root: Path, manager: str,
          pyproject: dict[str, Any]) -> tuple[dict[str, str | None], list[Path]]:
    """name -> pinned version (or None) of the runtime dependencies, and the files read."""
    found: dict[str, str | None] = {}
    files: list[Path] = []

    def add(name: str, version: str | None) -> None:
        key = normalize_name(name)
        if key and (found.get(key) is None):
            found[key] = version

    for dep in pyproject.get("project", {}).get("dependencies", []) or []:
        req = parse_requirement(str(dep), root / "pyproject.toml", 0)
        if req:
            add(req.name, req.pinned)
    poetry = pyproject.get("tool", {}).get("poetry", {})
    for name, spec in (poetry.get("dependencies", {}) or {}).items():
        if name.lower() != "python":
            pin = spec if isinstance(spec, str) and re.fullmatch(r"=?=?\d[\w.]*", spec) else None
            add(name, pin.lstrip("=") if pin else None)
    if manager in ("requirements", "pip-tools") and (root / "requirements.txt").is_file():
        reqs = read_requirements(root / "requirements.txt")
        files += list(reqs.files)
        for r in reqs.requirements:
            add(r.name, r.pinned or reqs.pinned(r.name))
    if manager == "pipenv":
        lock = root / "Pipfile.lock"
        if lock.is_file():
            try:
                for n, v in json.loads(lock.read_text())["default"].items():
                    add(n, str(v.get("version", "")).lstrip("=") or None)
            except (ValueError, KeyError, AttributeError) as exc:
                raise InputError(f"cannot read Pipfile.lock: {exc}",
                                 "run `pipenv lock` to regenerate it") from None
        elif (root / "Pipfile").is_file():
            for n in read_toml(root / "Pipfile").get("packages", {}):
                add(n, None)
    for lock_name in ("poetry.lock", "pdm.lock", "uv.lock"):
        if LOCK_FILES[lock_name] != manager:
            continue
        path = root / lock_name if (root / lock_name).is_file() else lock_root / lock_name
        if path.is_file():
            for p in read_toml(path).get("package", []):
                source = p.get("source", {})
                if isinstance(source, dict) and ("editable" in source or "virtual" in source):
                    continue  # workspace members are source, not index packages
                add(str(p.get("name", "")), str(p.get("version", "")) or None)
    return found, files


def native_needs(pins: dict[str, str | None], python: str) -> tuple[NativeNeed, ...]:
    """What each native package among ``pins`` (name -> version) needs for ``python``."""
    needs = []
    for name, version in pins.items():
        entry = native_package(name)
        if entry is None:
            continue
        wheel = wheel_available(name, version, python, "glibc")
        musl = wheel_available(name, version, python, "musl")
        label = f"{name} {version}" if version else name
        build: tuple[str, ...] = ()
        runtime = entry.runtime_packages
        if wheel is False:
            build = entry.build_packages
            runtime = tuple(dict.fromkeys((*runtime, *entry.source_runtime_packages)))
            first = entry.first_wheel.get("glibc", {}).get(python)
            why = (f"no manylinux wheel of {label} for CPython {python}"
                   + (f" (the first is {first})" if first else "")
                   + ": pip builds it from source, so the builder stage gets the compiler and "
                   "headers and the final stage the libraries it links")
            if first and version:
                why += (f"; warning: {label} predates the first release built for CPython "
                        f"{python}, so it may compile yet fail at import: upgrade to "
                        f">={first} or choose an older --python")
        elif runtime:
            why = entry.why
        elif wheel is None:
            why = f"{entry.why} (wheels for CPython {python} not in podfit's table)"
        else:
            why = f"a manylinux wheel of {label} exists for CPython {python}: nothing to build"
        needs.append(NativeNeed(name, version, build, runtime, entry.alpine_build_packages,
                                entry.alpine_runtime_packages, musl is not False, why))
    return tuple(needs)


def _dep_files(root: Path, context: Path, manager: str, read: list[Path],
               workspace: Workspace | None) -> tuple[str, ...]:
    names = {
        "requirements": [], "pip-tools": [], "pyproject": ["pyproject.toml"],
        "pipenv": ["Pipfile", "Pipfile.lock"], "poetry": ["poetry.lock", "pyproject.toml"],
        "pdm": ["pyproject.toml", "pdm.lock"], "uv": ["pyproject.toml", "uv.lock"],
    }[manager]
    paths = [p if p.is_absolute() else root / p for p in read]
    for name in names:
        for base in (root, workspace.root if workspace else root):
            if (base / name).is_file():
                paths.append(base / name)
    if workspace is not None:
        paths += [workspace.root / m / "pyproject.toml" for m in workspace.members
                  if (workspace.root / m / "pyproject.toml").is_file()]
    out = []
    for path in paths:
        try:
            out.append(path.resolve().relative_to(context.resolve()).as_posix())
        except ValueError:
            raise InputError(f"{path} is outside the build context {context}",
                             "move it into the project, or build from a directory that "
                             "contains both") from None
    return tuple(dict.fromkeys(out))


def detect_deps(root: Path, manager_override: str | None = None,
                python_override: str | None = None) -> DepFacts:
    path = root / "pyproject.toml"
    pyproject = read_toml(path) if path.is_file() else {}
    workspace = find_workspace(root)
    lock_root = workspace.root if workspace else root
    manager, why = detect_manager(root, lock_root, pyproject, manager_override)
    if workspace is not None and manager not in ("uv", "poetry"):
        workspace = None  # a workspace root without its lock file: build the member alone
    pins, read = _pins(root, lock_root, manager, pyproject)
    python, python_why = detect_python(root, workspace.root if workspace else None, pyproject,
                                       python_override)
    context = workspace.root if workspace else root
    files = _dep_files(root, context, manager, read, workspace)
    lock_dir = ""
    if workspace is not None:
        lock_dir = "" if (workspace.root / f"{manager}.lock").is_file() else workspace.member
    versions = tuple((n, v) for n, v in pins.items() if v)
    return DepFacts(manager, why, tuple(pins), python, python_why, native_needs(pins, python),
                    versions, files, workspace, lock_dir)
