"""Configuration: ``[tool.podfit]`` in pyproject.toml or a ``podfit.toml``, validated strictly.

Settings are dataclasses with a docstring per field (``metadata={"doc": …}``); unknown keys
are errors with a "did you mean" hint, never silently ignored.
"""

from __future__ import annotations

import dataclasses
import difflib
import tomllib
from pathlib import Path
from typing import Any, TypeVar

from podfit.core.errors import ConfigError

T = TypeVar("T")


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


def did_you_mean(word: str, choices: list[str] | set[str]) -> str | None:
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def build_settings(cls: type[T], data: dict[str, Any], source: str) -> T:
    """Build dataclass ``cls`` from a config table: keys in kebab- or snake-case."""
    if not dataclasses.is_dataclass(cls):  # pragma: no cover - programming error
        raise TypeError(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        name = key.replace("-", "_")
        if name not in fields:
            hint = did_you_mean(key, {f.replace("_", "-") for f in fields})
            raise ConfigError(f"{source}: unknown key '{key}'",
                              hint or f"known keys: {', '.join(sorted(fields))}")
        kwargs[name] = value
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{source}: {exc}") from None


def field_docs(cls: type[Any]) -> dict[str, str]:
    """``{key: doc}`` for a settings dataclass, for documentation."""
    return {f.name.replace("_", "-"): str(f.metadata.get("doc", ""))
            for f in dataclasses.fields(cls)}
