"""Django in production: the settings module to run, static files, migrations. Read from
files only (manage.py, the settings package, env files, the Procfile)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

PRODUCTION_NAMES = ("production", "prod", "live", "deploy")


@dataclass(frozen=True)
class DjangoFacts:
    settings: str
    settings_reason: str
    default: str
    """What manage.py would use on its own (often a development module)."""
    collectstatic: bool
    static_reason: str
    migrations: bool


def _settings_default(root: Path) -> str | None:
    for name in ("manage.py", "wsgi.py"):
        path = root / name
        if path.is_file():
            m = re.search(r"DJANGO_SETTINGS_MODULE['\"]\s*,\s*['\"]([\w.]+)['\"]",
                          path.read_text(errors="replace"))
            if m:
                return m.group(1)
    return None


def _from_env_files(root: Path) -> tuple[str, str] | None:
    for name in ("Procfile", ".env.production", ".env.prod", ".env.example", "app.json"):
        path = root / name
        if path.is_file():
            m = re.search(r"DJANGO_SETTINGS_MODULE['\"]?\s*[=:]\s*['\"]?([\w.]+)",
                          path.read_text(errors="replace"))
            if m:
                return m.group(1), f"{name} sets DJANGO_SETTINGS_MODULE={m.group(1)}"
    return None


def _module_file(root: Path, module: str) -> Path | None:
    base = root.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def detect_django(root: Path, src_dir: str = "") -> DjangoFacts | None:
    default = _settings_default(root)
    if default is None:
        return None
    code_root = root / src_dir if src_dir else root
    settings, reason = default, f"manage.py's default DJANGO_SETTINGS_MODULE={default}"
    explicit = _from_env_files(root)
    package = default.rsplit(".", 1)[0] if default.count(".") >= 2 else default
    pkg_dir = code_root.joinpath(*package.split("."))
    if explicit:
        settings, reason = explicit
    elif pkg_dir.is_dir():
        for name in PRODUCTION_NAMES:
            if (pkg_dir / f"{name}.py").is_file() or (pkg_dir / name / "__init__.py").is_file():
                settings = f"{package}.{name}"
                reason = (f"{pkg_dir.relative_to(root).as_posix()}/{name} is the production "
                          f"settings module (manage.py defaults to {default})")
                break
    texts = []
    for path in sorted(pkg_dir.rglob("*.py")) if pkg_dir.is_dir() else []:
        texts.append(path.read_text(errors="replace"))
    single = _module_file(code_root, default)
    if single is not None and single.parent != pkg_dir:
        texts.append(single.read_text(errors="replace"))
    text = "\n".join(texts)
    static = "django.contrib.staticfiles" in text and "STATIC_ROOT" in text
    static_reason = ("STATIC_ROOT and django.contrib.staticfiles are set: collectstatic at "
                     "build time (a manifest storage answers 500 without it)" if static else
                     "no STATIC_ROOT in the settings: nothing to collect")
    migrations = any(p.name != "__init__.py" for p in code_root.rglob("migrations/0*.py"))
    return DjangoFacts(settings, reason, default, static, static_reason, migrations)
