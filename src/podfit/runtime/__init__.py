"""podfit's in-pod library: limits, worker policy, probes, drain, metrics and JSON logs.

Standard library only (prometheus_client optional) and cheap to import: the names below load
their module on first use.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs ~5 ms cold
if TYPE_CHECKING:
    from podfit.runtime.drain import DrainSettings, install_sigterm
    from podfit.runtime.health import State, add_readiness_check, get_health
    from podfit.runtime.limits import Limits, read_limits
    from podfit.runtime.logs import configure_logging
    from podfit.runtime.middleware import ASGIMiddleware, WSGIMiddleware
    from podfit.runtime.policy import WorkerPlan, apply_blas_limits, plan_workers

_EXPORTS = {
    "Limits": "limits", "read_limits": "limits",
    "WorkerPlan": "policy", "plan_workers": "policy", "apply_blas_limits": "policy",
    "State": "health", "get_health": "health", "add_readiness_check": "health",
    "DrainSettings": "drain", "install_sigterm": "drain",
    "configure_logging": "logs",
    "WSGIMiddleware": "middleware", "ASGIMiddleware": "middleware",
}

__all__ = [
    "ASGIMiddleware", "DrainSettings", "Limits", "State", "WSGIMiddleware", "WorkerPlan",
    "add_readiness_check", "apply_blas_limits", "configure_logging", "get_health",
    "install_sigterm", "plan_workers", "read_limits",
]


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'podfit.runtime' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"podfit.runtime.{module}"), name)
