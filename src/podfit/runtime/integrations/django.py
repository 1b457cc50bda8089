"""Django: WSGI/ASGI entry points plus a middleware that records the route pattern.

In ``wsgi.py``: ``application = podfit.runtime.integrations.django.get_wsgi_application()``
(or ``get_asgi_application()`` in ``asgi.py``), and add
``"podfit.runtime.integrations.django.RouteMiddleware"`` to ``MIDDLEWARE``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from podfit.runtime.middleware import ROUTE_KEY, ASGIMiddleware, WSGIMiddleware


def get_wsgi_application() -> WSGIMiddleware:
    """Django's WSGI handler wrapped in the podfit middleware."""
    from django.core.wsgi import get_wsgi_application as django_wsgi

    return WSGIMiddleware(django_wsgi())


def get_asgi_application() -> ASGIMiddleware:
    """Django's ASGI handler wrapped in the podfit middleware."""
    from django.core.asgi import get_asgi_application as django_asgi

    return ASGIMiddleware(django_asgi())


class RouteMiddleware:
    """Put the resolved URL pattern (``items/<int:pk>/``) where the metrics look for it."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None:
            route = "/" + str(match.route).lstrip("^").rstrip("$")
            request.META[ROUTE_KEY] = route
            scope = getattr(request, "scope", None)
            if isinstance(scope, dict):
                scope[ROUTE_KEY] = route
        return response
