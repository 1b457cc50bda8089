"""Dependency facts read from files: manager, declared packages, Python version, native needs."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from podfit.core.errors import InputError, UsageError

#: Lock files and the manager each one belongs to, most specific first.
LOCK_FILES = {
    "uv.lock": "uv",
    "poetry.lock": "poetry",
    "pdm.lock": "pdm",
    "Pipfile.lock": "pipenv",
}
MANAGERS = ("requirements", "pip-tools", "poetry", "pdm", "pipenv", "uv", "pyproject")
SUPPORTED_PYTHONS = ("3.9", "3.10", "3.11", "3.12", "3.13")
DEFAULT_PYTHON = "3.12"


@dataclass(frozen=True)
class NativeDep:
    """A package with compiled parts: what building it and running it need from the OS."""

    name: str
    build_packages: tuple[str, ...]
    runtime_packages: tuple[str, ...]
    musl_wheels: bool
    why: str


#: Packages whose wheels are missing (build tools needed) or that load OS libraries at run time.
#: Debian package names; ``build_packages`` empty means manylinux wheels exist on PyPI.
NATIVE = {
    nd.name: nd
    for nd in (
        NativeDep("psycopg2", ("gcc", "libc6-dev", "libpq-dev"), ("libpq5",), False,
                  "sdist only: compiled against libpq at install, loads libpq5 at run time"),
        NativeDep("psycopg", (), ("libpq5",), False,
                  "pure Python, loads libpq5 with ctypes at run time"),
        NativeDep("psycopg2-binary", (), (), True, "manylinux/musllinux wheels bundle libpq"),
        NativeDep("mysqlclient", ("gcc", "libc6-dev", "pkg-config", "default-libmysqlclient-dev"),
                  ("libmariadb3",), False, "sdist only: compiled against libmariadb"),
        NativeDep("python-ldap", ("gcc", "libc6-dev", "libldap2-dev", "libsasl2-dev"),
                  ("libldap-2.5-0", "libsasl2-2"), False, "sdist only: compiled against OpenLDAP"),
        NativeDep("uwsgi", ("gcc", "libc6-dev"), (), False, "sdist only: compiled at install"),
        NativeDep("lxml", (), (), True, "manylinux/musllinux wheels bundle libxml2 and libxslt"),
        NativeDep("pillow", (), (), True, "manylinux/musllinux wheels bundle the image codecs"),
        NativeDep("cryptography", (), (), True, "abi3 wheels for glibc and musl"),
        NativeDep("numpy", (), (), True, "wheels bundle OpenBLAS for glibc and musl"),
        NativeDep("pandas", (), (), True, "wheels for glibc and musl"),
        NativeDep("grpcio", (), (), False, "manylinux wheels; musl builds compile for minutes"),
        NativeDep("weasyprint", (), ("libpango-1.0-0", "libpangoft2-1.0-0"), False,
                  "loads Pango with cffi at run time"),
        NativeDep("pycairo", ("gcc", "libc6-dev", "pkg-config", "libcairo2-dev"),
                  ("libcairo2",), False, "compiled against cairo"),
    )
}


def canonical(name: str) -> str:
    """PEP 503 normalized project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


_REQ_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def requirement_names(lines: list[str]) -> list[str]:
    """Project names from requirement lines (options, comments and URLs skipped)."""
    names = []
    for raw in lines:
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-") or "://" in line.split(";")[0].split("@")[0]:
            continue
        match = _REQ_NAME.match(line)
        if match:
            names.append(canonical(match.group(1)))
    return names


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
    native: tuple[NativeDep, ...]


def _pyproject(root: Path) -> dict[str, Any]:
    path = root / "pyproject.toml"
    return read_toml(path) if path.is_file() else {}


def detect_manager(root: Path, pyproject: dict[str, Any], override: str | None) -> tuple[str, str]:
    """The dependency manager and why; several lock files without a tie-breaker → UsageError."""
    if override:
        if override not in MANAGERS:
            raise UsageError(f"unknown dependency manager {override!r}",
                             f"use one of: {', '.join(MANAGERS)}")
        return override, "set with --deps or [tool.podfit] deps"
    tools = pyproject.get("tool", {})
    locks = [(f, m) for f, m in LOCK_FILES.items() if (root / f).is_file()]
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
        return m, f"{f} is present: install exactly what it locks"
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


def declared_packages(root: Path, manager: str, pyproject: dict[str, Any]) -> list[str]:
    """Names of the runtime dependencies the project declares or locks (for detection only)."""
    names: list[str] = []
    deps = pyproject.get("project", {}).get("dependencies", [])
    names += requirement_names([str(d) for d in deps])
    poetry = pyproject.get("tool", {}).get("poetry", {})
    names += [canonical(n) for n in poetry.get("dependencies", {}) if n.lower() != "python"]
    if (root / "requirements.txt").is_file() and manager in ("requirements", "pip-tools"):
        names += requirement_names(_read_lines(root / "requirements.txt"))
    if manager == "pipenv":
        lock = root / "Pipfile.lock"
        if lock.is_file():
            try:
                names += [canonical(n) for n in json.loads(lock.read_text())["default"]]
            except (ValueError, KeyError) as exc:
                raise InputError(f"cannot read Pipfile.lock: {exc}",
                                 "run `pipenv lock` to regenerate it") from None
        elif (root / "Pipfile").is_file():
            names += [canonical(n) for n in read_toml(root / "Pipfile").get("packages", {})]
    for lock_name in ("poetry.lock", "pdm.lock", "uv.lock"):
        if LOCK_FILES[lock_name] == manager and (root / lock_name).is_file():
            names += [canonical(str(p.get("name", ""))) for p in
                      read_toml(root / lock_name).get("package", [])]
    return list(dict.fromkeys(n for n in names if n))


def _read_lines(path: Path) -> list[str]:
    lines = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        ref = re.match(r"^\s*-r\s+(\S+)", line)
        if ref and (path.parent / ref.group(1)).is_file():
            lines += _read_lines(path.parent / ref.group(1))
        else:
            lines.append(line)
    return lines


def _lowest_minor(spec: str) -> str | None:
    """The lowest supported minor version a specifier such as ``>=3.10,<4`` or ``^3.11`` allows."""
    for minor in SUPPORTED_PYTHONS:
        if _allows(spec, minor):
            return minor
    return None


def _allows(spec: str, minor: str) -> bool:
    version = tuple(int(p) for p in minor.split("."))
    for part in re.split(r"[,|]", spec.replace(" ", "")):
        m = re.fullmatch(r"(\^|~=|~|>=|<=|==|!=|>|<)?(\d+)(?:\.(\d+))?(?:\.[\d*]+)?", part)
        if not part or part == "*":
            continue
        if not m:
            return False
        op, major, mnr = m.group(1) or "==", int(m.group(2)), int(m.group(3) or 0)
        bound = (major, mnr)
        ok = {
            "^": bound <= version < (major + 1, 0), "~": version == bound,
            "~=": bound <= version, ">=": version >= bound, ">": version > bound,
            "<": version < bound, "<=": version <= bound, "!=": version != bound,
            "==": version == bound if m.group(3) else version[0] == major,
        }[op]
        if not ok:
            return False
    return True


def detect_python(root: Path, pyproject: dict[str, Any], override: str | None) -> tuple[str, str]:
    """Python minor version and its source, in the order the ecosystem's tools honour them."""
    if override:
        if override not in SUPPORTED_PYTHONS:
            raise UsageError(f"unsupported Python {override!r}",
                             f"use one of {', '.join(SUPPORTED_PYTHONS)}")
        return override, "set with --python or [tool.podfit] python"
    pv = root / ".python-version"
    if pv.is_file():
        m = re.match(r"\s*(?:python-?|cpython-?)?(3\.\d+)", pv.read_text())
        if m:
            return m.group(1), f".python-version pins {m.group(1)}"
    requires = pyproject.get("project", {}).get("requires-python")
    if isinstance(requires, str) and (minor := _lowest_minor(requires)):
        return minor, f"lowest supported version allowed by requires-python {requires!r}"
    rt = root / "runtime.txt"
    if rt.is_file():
        m = re.match(r"\s*python-(3\.\d+)", rt.read_text())
        if m:
            return m.group(1), f"runtime.txt asks for {m.group(0).strip()}"
    poetry_py = pyproject.get("tool", {}).get("poetry", {}).get("dependencies", {}).get("python")
    if isinstance(poetry_py, str) and (minor := _lowest_minor(poetry_py)):
        return minor, f"lowest version allowed by Poetry's python = {poetry_py!r}"
    return DEFAULT_PYTHON, f"no version pinned anywhere; {DEFAULT_PYTHON} is a maintained default"


def detect_deps(root: Path, manager_override: str | None = None,
                python_override: str | None = None) -> DepFacts:
    pyproject = _pyproject(root)
    manager, why = detect_manager(root, pyproject, manager_override)
    packages = declared_packages(root, manager, pyproject)
    python, python_why = detect_python(root, pyproject, python_override)
    native = tuple(NATIVE[p] for p in packages if p in NATIVE)
    return DepFacts(manager, why, tuple(packages), python, python_why, native)
