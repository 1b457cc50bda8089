"""Flask: ``podfit.runtime.integrations.flask.init_app(app)``.

Wraps ``app.wsgi_app`` in :class:`~podfit.runtime.middleware.WSGIMiddleware` (probes, metrics,
request ids) and labels metrics with the matched URL rule, e.g. ``/users/<int:id>``.
"""

from __future__ import annotations

from typing import Any

from podfit.runtime.middleware import ROUTE_KEY, WSGIMiddleware


def init_app(app: Any, *, probes: bool | None = None) -> Any:
    """Instrument a Flask app in place and return it."""
    from flask import request

    def remember_route() -> None:
        if request.url_rule is not None:
            request.environ[ROUTE_KEY] = request.url_rule.rule

    app.before_request(remember_route)
    app.wsgi_app = WSGIMiddleware(app.wsgi_app, probes=probes)
    app.podfit_wrapped = True  # gunicorn_conf then does not wrap it a second time
    return app
