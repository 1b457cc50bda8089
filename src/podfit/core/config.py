"""Configuration: the ONE loader of podfit's settings for every verb.

Discovery: from the start directory up to the repository root (the first folder holding
``.git``), the nearest folder with a ``podfit.toml`` or a ``pyproject.toml`` that has a
``[tool.podfit]`` table wins. Precedence: in one folder ``podfit.toml`` wins over
``pyproject.toml`` (a dedicated file is the more specific statement, as with ruff); the two are
never merged. Layout: ``check``'s keys sit at the top of the table, every other verb has its
own sub-table (``[tool.podfit.init]``, ``[tool.podfit.profile]``, ``[tool.podfit.recommend]``;
``[init]``… in podfit.toml).

Validation: each verb builds its settings dataclass (a docstring per field in
``metadata={"doc": …}``) from its table through :meth:`ProjectConfig.settings`; unknown keys
are errors with a "did you mean" hint in every table, never silently ignored.
"""

from __future__ import annotations

import dataclasses
import difflib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from podfit.core.errors import ConfigError

T = TypeVar("T")

#: Sub-tables of the podfit table, one per verb other than ``check`` (whose keys are the top).
VERB_TABLES = ("init", "profile", "recommend")


def find_config(start: Path) -> Path | None:
    """The nearest ``podfit.toml``, or ``pyproject.toml`` with a ``[tool.podfit]`` table."""
    directory = start.resolve()
    if directory.is_file():
        directory = directory.parent
    for folder in (directory, *directory.parents):
        candidate = folder / "podfit.toml"
        if candidate.is_file():
            return candidate
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and b"[tool.podfit" in pyproject.read_bytes():
            return pyproject
        if (folder / ".git").exists():
            break
    return None


def load_config(path: Path) -> dict[str, Any]:
    """The podfit table of ``path`` (the whole file for podfit.toml)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}", "fix the TOML syntax") from None
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("podfit", {})
        return table if isinstance(table, dict) else {}
    return data


@dataclass(frozen=True)
class ProjectConfig:
    """A project's podfit configuration, found and read once; each verb takes its table."""

    path: Path | None
    """The file it came from; ``None`` when none was found (every default applies)."""
    data: Mapping[str, Any]
    """The whole podfit table: check's keys at the top, one sub-table per other verb."""

    def where(self, verb: str = "check") -> str:
        """How error messages name the table of ``verb`` (check's: the file, as always)."""
        if self.path is None:
            return "defaults"
        if verb == "check":
            return str(self.path)
        prefix = "tool.podfit." if self.path.name == "pyproject.toml" else ""
        return f"{self.path} [{prefix}{verb}]"

    def table(self, verb: str = "check") -> dict[str, Any]:
        """The keys of ``verb``: the top level without the sub-tables for ``check``."""
        if verb == "check":
            return {k: v for k, v in self.data.items() if k not in VERB_TABLES}
        table = self.data.get(verb, {})
        if not isinstance(table, dict):
            raise ConfigError(f"{self.where()}: '{verb}' must be a table",
                              f"write it as [tool.podfit.{verb}] (or [{verb}] in podfit.toml)")
        return dict(table)

    def settings(self, cls: type[T], verb: str = "check") -> T:
        """``cls`` built from the table of ``verb``, every key validated."""
        extra = set(VERB_TABLES) if verb == "check" else set()
        return build_settings(cls, self.table(verb), self.where(verb), extra)


def load_project(start: Path | None = None, path: Path | None = None) -> ProjectConfig:
    """The configuration at ``path`` if given, else the one discovered from ``start``."""
    if path is not None and not path.is_file():
        raise ConfigError(f"config file {path} does not exist")
    found = path or find_config(start or Path.cwd())
    return ProjectConfig(found, load_config(found) if found else {})


def did_you_mean(word: str, choices: list[str] | set[str]) -> str | None:
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def build_settings(cls: type[T], data: dict[str, Any], source: str,
                   extra_keys: set[str] | None = None) -> T:
    """Build dataclass ``cls`` from a config table: keys in kebab- or snake-case.
    ``extra_keys`` are other valid names of that table, offered in the hint only."""
    if not dataclasses.is_dataclass(cls):  # pragma: no cover - programming error
        raise TypeError(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        name = key.replace("-", "_")
        if name not in fields:
            known = {f.replace("_", "-") for f in fields} | (extra_keys or set())
            hint = did_you_mean(key, known)
            raise ConfigError(f"{source}: unknown key '{key}'",
                              hint or f"known keys: {', '.join(sorted(known))}")
        kwargs[name] = value
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{source}: {exc}") from None


def field_docs(cls: type[Any]) -> dict[str, str]:
    """``{key: doc}`` for a settings dataclass, for documentation."""
    return {f.name.replace("_", "-"): str(f.metadata.get("doc", ""))
            for f in dataclasses.fields(cls)}
