"""The server configuration file: gunicorn settings layered on ``podfit.runtime``."""

from __future__ import annotations

from podfit.generate.plan import Plan

GUNICORN = '''\
"""Gunicorn settings for {name}, written by `podfit init` (`podfit init --explain` says why).

podfit.runtime.gunicorn_conf sizes workers from the pod's CPU and memory limits (the cgroup or
PODFIT_CPU_LIMIT, never the node's CPU count), serves /livez /readyz /startupz, drains on
SIGTERM, exports Prometheus metrics (PROMETHEUS_MULTIPROC_DIR) and logs JSON. Override a value
below, or with WEB_CONCURRENCY / PODFIT_THREADS in the Deployment.
"""

from podfit.runtime.gunicorn_conf import *  # noqa: F403  (workers, hooks, logging, metrics)

bind = ["0.0.0.0:{port}"]
# Shutdown budget: preStop sleep {prestop}s + graceful_timeout {graceful}s + {margin}s margin
# = terminationGracePeriodSeconds {grace}s in deploy/k8s/deployment.yaml.
graceful_timeout = {graceful}
# A request running longer than this is a stuck worker: gunicorn restarts it.
timeout = 30
'''


def render_gunicorn_conf(plan: Plan) -> str | None:
    web = plan.web
    if web is None or plan.server != "gunicorn":
        return None
    return GUNICORN.format(name=plan.name, port=web.port, prestop=web.prestop_seconds,
                           graceful=web.shutdown_seconds, grace=web.grace_period,
                           margin=web.grace_period - web.prestop_seconds - web.shutdown_seconds)
