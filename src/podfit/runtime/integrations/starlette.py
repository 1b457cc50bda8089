"""Starlette and FastAPI: ``app.add_middleware(PodfitMiddleware)`` or ``install(app)``.

Metrics carry the route template (``/items/{item_id}``), never the raw path.
"""

from __future__ import annotations

from typing import Any

from podfit.runtime.middleware import ASGIApp, ASGIMiddleware, Scope


def route_of(scope: Scope) -> str:
    """The matched route's template, as Starlette/FastAPI record it in the scope."""
    route = scope.get("route")
    return str(getattr(route, "path_format", None) or getattr(route, "path", "") or "")


class PodfitMiddleware(ASGIMiddleware):
    """:class:`ASGIMiddleware` that knows Starlette's route template."""

    def __init__(self, app: ASGIApp, probes: bool | None = None) -> None:
        super().__init__(app, probes=probes, route_of=route_of)


def install(app: Any, *, probes: bool | None = None) -> Any:
    """Add the middleware to a Starlette or FastAPI app and return it."""
    app.add_middleware(PodfitMiddleware, probes=probes)
    app.podfit_wrapped = True  # the podfit uvicorn runner then does not wrap it again
    return app
