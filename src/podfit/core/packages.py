"""Python packages as both ``check`` and ``init`` see them: names, native needs, wheels, and
the requirements/Procfile readers. One home for these nouns, so the two verbs never disagree.

The native-package table is packaged data (``core/data/native_packages.json``) that
``scripts/refresh_native_packages.py`` regenerates from PyPI's JSON API: for each package,
the first release with a manylinux / musllinux wheel per CPython version, the Debian packages
a source build needs in the builder stage, and the libraries the final stage needs at run time.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

LIBCS = ("glibc", "musl")


def normalize_name(name: str) -> str:
    """PEP 503 normalised project name: runs of ``-``, ``_``, ``.`` become ``-``, lower case."""
    return re.sub(r"[-_.]+", "-", name.strip()).lower()


def version_key(version: str) -> tuple[int, ...]:
    """Release segment of a version as integers (``2.9.1`` -> (2, 9, 1)); pre/post/local parts
    are ignored, which is precise enough to compare against the first release with wheels."""
    core = re.match(r"\s*v?(\d+(?:\.\d+)*)", version)
    if not core:
        return ()
    parts = [int(p) for p in core.group(1).split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


@dataclass(frozen=True)
class NativePackage:
    """A package with compiled parts, or one that loads OS libraries at run time."""

    name: str
    build_packages: tuple[str, ...]
    """Debian packages a source build needs (builder stage), beyond gcc and Python.h."""
    runtime_packages: tuple[str, ...]
    """Debian libraries the final stage needs whenever the package is installed."""
    source_runtime_packages: tuple[str, ...]
    """Debian libraries needed only when it was built from source (wheels bundle them)."""
    alpine_build_packages: tuple[str, ...]
    alpine_runtime_packages: tuple[str, ...]
    first_wheel: dict[str, dict[str, str]] = field(default_factory=dict)
    """libc ("glibc"/"musl") -> CPython minor ("3.11") -> first release with such a wheel."""
    checked_pythons: tuple[str, ...] = ()
    """CPython minors the table was refreshed for; others are unknown."""
    why: str = ""

    def needs_compiler(self, version: str | None, python: str, libc: str = "glibc") -> bool:
        """True when installing ``version`` on ``python`` builds from source (known no wheel)."""
        return wheel_available(self.name, version, python, libc) is False


@dataclass(frozen=True)
class Requirement:
    name: str
    """PEP 503 normalised."""
    specifier: str
    """Version specifier as written (``==2.8.6``, ``>=1,<2``), empty when none."""
    pinned: str | None
    """The version when the specifier is a single ``==`` (or ``===``) pin."""
    file: Path
    line: int
    extras: tuple[str, ...] = ()
    markers: str = ""


@dataclass(frozen=True)
class RequirementsSet:
    """A requirements file with everything it includes, in reading order."""

    root: Path
    requirements: tuple[Requirement, ...]
    includes: tuple[Path, ...]
    """Every file read through ``-r`` / ``--requirement`` (the root file excluded)."""
    constraints: tuple[Requirement, ...]
    constraint_files: tuple[Path, ...]
    missing: tuple[Path, ...] = ()
    """``-r``/``-c`` targets that do not exist."""

    @property
    def files(self) -> tuple[Path, ...]:
        """Every file a build must copy, root first, with its relative layout preserved."""
        return tuple(dict.fromkeys((self.root, *self.includes, *self.constraint_files)))

    def names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.name for r in self.requirements))

    def pinned(self, name: str) -> str | None:
        """The pinned version of ``name``, from the requirements or else the constraints."""
        key = normalize_name(name)
        for req in (*self.requirements, *self.constraints):
            if req.name == key and req.pinned:
                return req.pinned
        return None


@lru_cache(maxsize=1)
def _table() -> dict[str, NativePackage]:
    text = resources.files("podfit.core").joinpath("data/native_packages.json").read_text(
        encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    pythons = tuple(data.get("pythons", ()))
    table = {}
    for name, entry in data["packages"].items():
        table[normalize_name(name)] = NativePackage(
            name=normalize_name(name),
            build_packages=tuple(entry.get("build", ())),
            runtime_packages=tuple(entry.get("runtime", ())),
            source_runtime_packages=tuple(entry.get("source_runtime", ())),
            alpine_build_packages=tuple(entry.get("alpine_build", ())),
            alpine_runtime_packages=tuple(entry.get("alpine_runtime", ())),
            first_wheel={libc: dict(entry.get("wheels", {}).get(libc, {})) for libc in LIBCS},
            checked_pythons=tuple(entry.get("pythons", pythons)),
            why=str(entry.get("why", "")),
        )
    return table


def native_packages() -> dict[str, NativePackage]:
    """The whole table, by normalised name."""
    return dict(_table())


def native_package(name: str) -> NativePackage | None:
    """The table's entry for ``name`` (any spelling), or ``None`` when it is not native."""
    return _table().get(normalize_name(name))


def wheel_available(name: str, version: str | None, python: str, libc: str) -> bool | None:
    """Whether PyPI has a binary wheel of ``name`` ``version`` (``None``: the latest) for
    CPython ``python`` ("3.11") on ``libc`` ("glibc" = manylinux, "musl" = musllinux).

    ``None`` means unknown: the package is not in the table, or the table was not refreshed
    for that Python. A package not in the table is usually pure Python (a ``py3-none-any``
    wheel), but podfit does not claim it.
    """
    if libc not in LIBCS:
        raise ValueError(f"libc must be one of {LIBCS}, not {libc!r}")
    package = native_package(name)
    if package is None or python not in package.checked_pythons:
        return None
    first = package.first_wheel.get(libc, {}).get(python)
    if first is None:
        return False
    if version is None:
        return True
    return version_key(version) >= version_key(first)


# ---- requirements files --------------------------------------------------------------------

_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$")
_OPTION_FILE = re.compile(
    r"^(-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+|(?=[^\s=-]))(\S+)")


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """(first line number, text) with ``\\`` continuations joined and comments removed."""
    out: list[tuple[int, str]] = []
    buffer, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = re.sub(r"(^|\s)#.*$", "", raw).rstrip()
        if not buffer:
            start = number
        if line.endswith("\\"):
            buffer += line[:-1] + " "
            continue
        buffer += line
        if buffer.strip():
            out.append((start, buffer.strip()))
        buffer = ""
    if buffer.strip():
        out.append((start, buffer.strip()))
    return out


def parse_requirement(text: str, file: Path, line: int) -> Requirement | None:
    """One requirement line (``name[extras] spec ; markers --hash=...``), ``None`` for URLs,
    paths and editable installs (they have no index name to look up)."""
    text = re.split(r"\s--?[a-z]", " " + text, maxsplit=1)[0].strip()
    if not text or "://" in text.split(";")[0] or text.startswith((".", "/")):
        return None
    requirement, _, markers = text.partition(";")
    match = _NAME.match(requirement.strip())
    if not match or "@" in match.group(3):
        return None
    extras = tuple(normalize_name(e) for e in (match.group(2) or "[]")[1:-1].split(",")
                   if e.strip())
    spec = match.group(3).replace(" ", "").strip("()")
    pin = re.fullmatch(r"===?([^,;*]+)", spec)
    return Requirement(normalize_name(match.group(1)), spec, pin.group(1) if pin else None,
                       file, line, extras, markers.strip())


def read_requirements(path: Path) -> RequirementsSet:
    """Read ``path`` and follow ``-r``/``-c`` (relative to the including file), once each."""
    requirements: list[Requirement] = []
    constraints: list[Requirement] = []
    includes: list[Path] = []
    constraint_files: list[Path] = []
    missing: list[Path] = []
    seen: set[Path] = set()

    def visit(file: Path, as_constraint: bool) -> None:
        resolved = file.resolve()
        if resolved in seen:
            return
        seen.add(resolved)
        try:
            text = file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            missing.append(file)
            return
        for number, line in _logical_lines(text):
            option = _OPTION_FILE.match(line)
            if option:
                target = file.parent / option.group(2)
                constraint = option.group(1) in ("-c", "--constraint") or as_constraint
                if not target.is_file():
                    missing.append(target)
                    continue
                (constraint_files if constraint else includes).append(_relative(target, path))
                visit(target, constraint)
                continue
            if line.startswith("-"):
                continue
            req = parse_requirement(line, file, number)
            if req is not None:
                (constraints if as_constraint else requirements).append(req)

    visit(path, False)
    return RequirementsSet(path, tuple(requirements), tuple(dict.fromkeys(includes)),
                           tuple(constraints), tuple(dict.fromkeys(constraint_files)),
                           tuple(missing))


def _relative(target: Path, root_file: Path) -> Path:
    """``target`` with ``a/../b`` folded but symlinks untouched, in the same form (relative or
    absolute) as the root file, so a build can copy it to the same relative place."""
    del root_file
    return Path(os.path.normpath(target))


# ---- Procfile ------------------------------------------------------------------------------

_PROCESS = re.compile(r"^([A-Za-z0-9_-]+)\s*:\s*(.+)$")


def read_procfile(path: Path) -> dict[str, str]:
    """Process type -> command, in file order (Heroku's format; comments and blanks skipped)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    processes: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _PROCESS.match(line)
        if match and match.group(1) not in processes:
            processes[match.group(1)] = match.group(2).strip()
    return processes
