"""Builds engine settings from config files and command-line overrides."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from podfit.check.settings import CheckSettings
from podfit.core.config import build_settings, find_config, load_config
from podfit.core.errors import ConfigError, UsageError

#: Sub-tables of ``[tool.podfit]`` that configure other verbs.
OTHER_VERB_TABLES = frozenset({"init", "profile"})


def check_settings(paths: tuple[str, ...], config_path: Path | None, kube_version: str | None,
                   cpu_limit_policy: str | None) -> CheckSettings:
    source = config_path
    if source is None:
        start = next((Path(p) for p in paths if p != "-"), Path.cwd())
        source = find_config(start if start.exists() else Path.cwd())
    elif not source.is_file():
        raise ConfigError(f"config file {source} does not exist")
    data = load_config(source) if source else {}
    # [tool.podfit.init] and [tool.podfit.profile] belong to those verbs, which check them.
    data = {k: v for k, v in data.items() if k not in OTHER_VERB_TABLES}
    settings = build_settings(CheckSettings, data, str(source) if source else "defaults")
    overrides: dict[str, object] = {}
    if kube_version:
        overrides["kube_version"] = kube_version
    if cpu_limit_policy:
        overrides["cpu_limit_policy"] = cpu_limit_policy
    if overrides:
        try:
            settings = dataclasses.replace(settings, **overrides)  # type: ignore[arg-type]
        except ValueError as exc:
            raise UsageError(str(exc), "see 'podfit check --help'") from None
    return settings
