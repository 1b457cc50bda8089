"""What the user asked for: ``InitOptions`` from flags, filled from ``[tool.podfit]``."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace
from typing import Any

from podfit.core.errors import ConfigError
from podfit.generate.profile_input import Recommendation

#: ``[tool.podfit]`` keys; each maps onto one InitOptions field.
CONFIG_KEYS = {
    "name": "name", "app": "app", "server": "server", "deps": "deps", "python": "python",
    "base": "base", "base-image": "base_image", "port": "port", "image": "image",
    "helm": "helm", "prometheus-operator": "prometheus_operator", "ingress-host": "ingress_host",
    "tls-secret": "tls_secret", "cpu-limit-policy": "cpu_limit_policy",
    "task-time-limit": "task_time_limit", "worker-app": "worker_app",
}



@dataclass(frozen=True)
class InitOptions:
    """What the user asked for; ``None`` means "detect it" (flags win over ``[tool.podfit]``)."""

    name: str | None = None
    """Kubernetes name of the app (default: the project or directory name)."""
    app: str | None = None
    """The web app object as ``module:attr`` (default: found in the source)."""
    worker_app: str | None = None
    """The Celery app as ``module:attr`` (default: found in the source)."""
    server: str | None = None
    """gunicorn, uvicorn, celery, python, uwsgi, hypercorn or daphne (default: from the
    framework)."""
    deps: str | None = None
    """Dependency manager (default: from the lock files present)."""
    python: str | None = None
    """Python minor version (default: .python-version, requires-python, runtime.txt…)."""
    base: str | None = None
    """slim (default), alpine or distroless."""
    base_image: str | None = None
    """Base image reference for the ``BASE_IMAGE`` build argument's default."""
    port: int | None = None
    """Port the server listens on (default 8000)."""
    image: str | None = None
    """Image repository in the manifests (default: the app name)."""
    helm: bool | None = None
    """Also write a Helm chart."""
    prometheus_operator: bool | None = None
    """A ServiceMonitor instead of prometheus.io annotations."""
    ingress_host: str | None = None
    """Write an Ingress for this host."""
    tls_secret: str | None = None
    """TLS secret for the Ingress."""
    cpu_limit_policy: str | None = None
    """none (default), integer or required — see podfit.core.policy."""
    task_time_limit: int | None = None
    """Celery hard task time limit in seconds (the worker's grace period covers it)."""
    profile: Recommendation | None = None
    """``podfit profile`` results; sizes requests, limits, workers and the HPA."""



#: ``[tool.podfit]`` keys that ``check`` and ``init`` share (so they never disagree).
SHARED_KEYS = {"cpu-limit-policy": "cpu_limit_policy"}



def merge_config(options: InitOptions, config: dict[str, Any]) -> InitOptions:
    """Fill unset options from ``[tool.podfit]`` (shared keys) and ``[tool.podfit.init]``;
    unknown keys in the ``init`` table are errors with a hint. Other top-level keys belong
    to ``check`` and ``profile``, which validate them."""
    table = config.get("init", {})
    if not isinstance(table, dict):
        raise ConfigError("[tool.podfit.init] must be a table", "e.g. [tool.podfit.init]")
    updates: dict[str, Any] = {}
    for key, attr in SHARED_KEYS.items():
        if key in config and getattr(options, attr) is None:
            updates[attr] = config[key]
    for key, value in table.items():
        if key not in CONFIG_KEYS:
            close = difflib.get_close_matches(key, CONFIG_KEYS, n=1)
            raise ConfigError(f"unknown [tool.podfit.init] key {key!r}",
                              f"did you mean {close[0]!r}?" if close else
                              "known keys: " + ", ".join(sorted(CONFIG_KEYS)))
        attr = CONFIG_KEYS[key]
        if getattr(options, attr) is None:
            updates[attr] = value
    return replace(options, **updates)

