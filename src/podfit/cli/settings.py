"""Builds each verb's settings from the project's configuration and the command line.

The file is found and read by :func:`podfit.core.config.load_project` (one loader, one
precedence); flags given on the command line win over the file, the file over defaults.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import click
from click.core import ParameterSource

from podfit.check.settings import CheckSettings
from podfit.core.config import ProjectConfig, load_project
from podfit.core.errors import ConfigError, UsageError
from podfit.core.policy import CpuLimitPolicy


def check_settings(paths: tuple[str, ...], config_path: Path | None, kube_version: str | None,
                   cpu_limit_policy: str | None) -> CheckSettings:
    start = next((Path(p) for p in paths if p != "-"), Path.cwd())
    config = load_project(start if start.exists() else Path.cwd(), config_path)
    settings = config.settings(CheckSettings)
    try:
        if kube_version:
            settings = dataclasses.replace(settings, kube_version=kube_version)
        if cpu_limit_policy:
            settings = dataclasses.replace(settings,
                                           cpu_limit_policy=CpuLimitPolicy(cpu_limit_policy))
    except ValueError as exc:
        raise UsageError(str(exc), "see 'podfit check --help'") from None
    return settings


def _doc(text: str) -> dict[str, str]:
    return {"doc": text}


@dataclass(frozen=True)
class ProfileConfig:
    """``[tool.podfit.profile]``: defaults for ``podfit profile``'s flags of the same names.

    Values are written as on the command line (``cpu = "0.5,1"``, ``duration = "3s"``; TOML
    numbers, booleans and lists work too) and are parsed by the flag's own parser; ``None``
    leaves the flag's default. ``cpu-limit-policy`` is shared: it is read from ``[tool.podfit]``
    like check's and init's, so the three verbs never disagree.
    """

    cpu: str | None = field(default=None, metadata=_doc("CPU limit(s) to emulate (--cpu)."))
    memory: str | None = field(default=None, metadata=_doc("Memory limit (--memory)."))
    url_path: str | None = field(default=None, metadata=_doc("Path the load requests."))
    host: str | None = field(default=None, metadata=_doc("Address load goes to."))
    slo_p99: str | None = field(default=None, metadata=_doc("Latency objective (p99)."))
    peak_rps: float | None = field(default=None, metadata=_doc("Peak rate for maxReplicas."))
    workers: str | None = field(default=None, metadata=_doc("Worker counts to try."))
    threads: str | None = field(default=None, metadata=_doc("Thread counts to try."))
    exhaustive: bool | None = field(default=None, metadata=_doc("Measure the whole grid."))
    duration: str | None = field(default=None, metadata=_doc("Closed-loop phase length."))
    open_duration: str | None = field(default=None, metadata=_doc("Open-loop phase length."))
    warmup: str | None = field(default=None, metadata=_doc("Unmeasured load first."))
    budget: str | None = field(default=None, metadata=_doc("Time budget of the profile."))
    repeats: int | None = field(default=None, metadata=_doc("Race rounds per candidate."))
    confidence: float | None = field(default=None, metadata=_doc("Interval confidence."))
    strict: bool | None = field(default=None, metadata=_doc("Exit 1 on a too-noisy host."))
    ready_timeout: str | None = field(default=None, metadata=_doc("Time to first answer."))
    generator: str | None = field(default=None, metadata=_doc("auto, wrk or builtin."))
    memory_margin: float | None = field(default=None, metadata=_doc("Memory headroom."))
    min_replicas: int | None = field(default=None, metadata=_doc("HPA minReplicas."))
    container_port: int | None = field(default=None, metadata=_doc("Port inside --image."))


#: ``[tool.podfit]`` keys every verb reads (so check, init and profile never disagree).
SHARED_KEYS = ("cpu-limit-policy",)


def _cast(ctx: click.Context, name: str, value: object, where: str) -> object:
    param = next(p for p in ctx.command.params if p.name == name)
    if isinstance(value, list):  # workers = [1, 2, 4] is --workers 1,2,4
        value = ",".join(str(v) for v in value)
    try:
        return param.type_cast_value(ctx, value)
    except click.BadParameter as exc:
        key = name.replace("_", "-")
        raise ConfigError(f"{where}: {key}: {exc.message}",
                          f"write it as you would pass --{key}") from None


def profile_options(opts: Mapping[str, object],
                    config: ProjectConfig | None = None) -> dict[str, object]:
    """``podfit profile``'s option values with ``[tool.podfit.profile]`` (and the shared keys
    of ``[tool.podfit]``) filled in where the flag was not given."""
    ctx = click.get_current_context()
    config = config or load_project(Path.cwd())
    table = config.settings(ProfileConfig, "profile")
    values: dict[str, object] = {f.name: getattr(table, f.name)
                                 for f in dataclasses.fields(ProfileConfig)}
    shared = config.table()
    values.update({k.replace("-", "_"): shared[k] for k in SHARED_KEYS if k in shared})
    merged = dict(opts)
    for name, value in values.items():
        if value is None or ctx.get_parameter_source(name) is not ParameterSource.DEFAULT:
            continue
        where = config.where() if name in (k.replace("-", "_") for k in SHARED_KEYS) else \
            config.where("profile")
        merged[name] = _cast(ctx, name, value, where)
    return merged
