"""Paths an app writes under its own source tree (read-only in the pod): Flask's instance
folder, SQLite files, Django's MEDIA_ROOT, upload folders. Found by regexes on the source."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class WritablePath:
    path: str
    """Relative to the app's root in the image (``/app``), posix; "" for the root itself."""
    why: str
    mountable: bool
    """False for a single file directly under the app root: an emptyDir there would hide
    the code, so init warns instead."""


_DIR_SETTINGS = re.compile(
    r"\b(MEDIA_ROOT|UPLOAD_FOLDER|UPLOAD_DIR|UPLOADS_DIR|DATA_DIR)\s*=\s*"
    r"(?:BASE_DIR\s*/\s*|os\.path\.join\(\s*BASE_DIR\s*,\s*|Path\(__file__\)[\w.()]*\s*/\s*)?"
    r"['\"]([\w][\w./-]*)['\"]")
_SQLITE_URL = re.compile(r"['\"]sqlite:///([^/'\"][^'\"]*)['\"]")
_SQLITE_FILE = re.compile(r"BASE_DIR\s*/\s*['\"]([\w./-]+\.(?:sqlite3?|db))['\"]")


def scan_source(text: str, rel: str, package_parent: str) -> list[WritablePath]:
    """Writable paths one module reveals; ``package_parent`` is the folder (relative to the
    app root) holding the module's top-level package, where Flask puts ``instance/``."""
    found: list[WritablePath] = []
    if "instance_relative_config=True" in text or re.search(r"\.instance_path\b", text):
        path = f"{package_parent}/instance".lstrip("/")
        found.append(WritablePath(path, f"{rel}: Flask's instance folder (app.instance_path)",
                                  True))
    for m in _DIR_SETTINGS.finditer(text):
        found.append(WritablePath(m.group(2).strip("/"), f"{rel}: {m.group(1)} = "
                                  f"{m.group(2)!r}", True))
    for m in (*_SQLITE_URL.finditer(text), *_SQLITE_FILE.finditer(text)):
        target = m.group(1)
        if target.startswith(":memory:"):
            continue
        parent = target.rsplit("/", 1)[0] if "/" in target else ""
        if not parent:
            parent = package_parent if "sqlite:///" in m.group(0) and "instance" in text else ""
        found.append(WritablePath(parent, f"{rel}: SQLite database {target!r}", bool(parent)))
    return found


def merge(paths: list[WritablePath]) -> tuple[WritablePath, ...]:
    by_path: dict[str, WritablePath] = {}
    for p in paths:
        by_path.setdefault(p.path, p)
    return tuple(by_path.values())
