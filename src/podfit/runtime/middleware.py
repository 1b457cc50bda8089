"""WSGI and ASGI middleware: probes, ``/metrics``, request ids and RED metrics.

Framework-agnostic; the modules in ``podfit.runtime.integrations`` only add the route
template (``http_route``) and wire the middleware in. Probes answer here, on the app's own
port, unless a dedicated health port is configured (``PODFIT_HEALTH_PORT``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, MutableMapping
from typing import Any

from podfit.runtime import metrics
from podfit.runtime.health import METRICS, Health, get_health, health_port
from podfit.runtime.logs import REQUEST_ID_HEADER, new_request_id, request_id_var

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
log = logging.getLogger("podfit.metrics")
#: environ / scope key where an adapter stores the matched route template.
ROUTE_KEY = "podfit.route"


def _observe(method: str, route: str, status: int, seconds: float) -> None:
    try:
        inst = metrics.instruments()
        if inst is not None:
            inst[0].labels(metrics.method_label(method), route, str(status)).observe(seconds)
    except Exception:  # metrics must never fail a request; say so in the logs
        log.exception("podfit: recording request metrics failed")


def _active(method: str, delta: int) -> None:
    try:
        inst = metrics.instruments()
        if inst is not None:
            inst[1].labels(metrics.method_label(method)).inc(delta)
    except Exception:  # as above
        log.exception("podfit: recording active requests failed")


def _answer_local(path: str, health: Health, probes: bool,
                  ) -> tuple[int, bytes, str] | None:
    if probes:
        answer = health.respond(path)
        if answer is not None:
            return answer[0], answer[1], "application/json"
    if path == METRICS:
        rendered = metrics.render()
        if rendered is not None:
            return 200, rendered[0], rendered[1]
    return None


_REASONS = {200: "OK", 404: "Not Found", 503: "Service Unavailable"}


class _Recorded:
    """Wraps a WSGI body so the duration covers sending it, and cleanup runs on close."""

    def __init__(self, body: Iterable[bytes], done: Callable[[], None]) -> None:
        self.body, self.done = body, done

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.body)

    def close(self) -> None:
        try:
            close = getattr(self.body, "close", None)
            if close is not None:
                close()
        finally:
            self.done()


class WSGIMiddleware:
    """Wrap a WSGI app: ``app.wsgi_app = WSGIMiddleware(app.wsgi_app)``."""

    podfit_wrapped = True

    def __init__(self, app: WSGIApp, *, health: Health | None = None,
                 probes: bool | None = None) -> None:
        self.app = app
        self.health = health or get_health()
        self.probes = health_port() is None if probes is None else probes
        self.health.mark_ready()  # a constructed app can serve; gunicorn hooks refine this

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any],
                 ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        local = _answer_local(path, self.health, self.probes)
        if local is not None:
            code, payload, ctype = local
            start_response(f"{code} {_REASONS.get(code, '')}",
                           [("Content-Type", ctype), ("Content-Length", str(len(payload)))])
            return [payload]
        rid = new_request_id(environ.get("HTTP_X_REQUEST_ID"))
        environ["podfit.request_id"] = rid
        token = request_id_var.set(rid)
        method = environ.get("REQUEST_METHOD", "GET")
        seen: list[int] = []

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            seen[:] = [int(status.split(" ", 1)[0])]
            headers = [*headers, (REQUEST_ID_HEADER, rid)]
            return start_response(status, headers, exc_info) if exc_info else start_response(
                status, headers)

        began = time.perf_counter()
        _active(method, 1)

        def done() -> None:
            _active(method, -1)
            _observe(method, environ.get(ROUTE_KEY, ""), seen[0] if seen else 500,
                     time.perf_counter() - began)
            request_id_var.reset(token)

        try:
            body = self.app(environ, start)
        except BaseException:
            seen[:] = [500]
            done()
            raise
        return _Recorded(body, done)


class ASGIMiddleware:
    """Wrap an ASGI app (any framework): ``app = ASGIMiddleware(app)``."""

    podfit_wrapped = True

    def __init__(self, app: ASGIApp, *, health: Health | None = None,
                 probes: bool | None = None,
                 route_of: Callable[[Scope], str] | None = None) -> None:
        self.app = app
        self.health = health or get_health()
        self.probes = health_port() is None if probes is None else probes
        self.route_of = route_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        local = _answer_local(scope.get("path", ""), self.health, self.probes)
        if local is not None:
            code, payload, ctype = local
            await send({"type": "http.response.start", "status": code, "headers": [
                (b"content-type", ctype.encode()),
                (b"content-length", str(len(payload)).encode())]})
            await send({"type": "http.response.body", "body": payload})
            return
        incoming = None
        for name, value in scope.get("headers", []):
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
        rid = new_request_id(incoming)
        token = request_id_var.set(rid)
        method = scope.get("method", "GET")
        status = [500]

        async def send_wrapper(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])
                message["headers"] = [*message.get("headers", []),
                                      (b"x-request-id", rid.encode("latin-1"))]
            await send(message)

        began = time.perf_counter()
        _active(method, 1)
        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            _active(method, -1)
            route = scope.get(ROUTE_KEY) or (self.route_of(scope) if self.route_of else "")
            _observe(method, route, status[0], time.perf_counter() - began)
            request_id_var.reset(token)

    async def _lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_wrapper(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "lifespan.startup.complete":
                self.health.mark_ready()
            await send(message)

        await self.app(scope, receive, send_wrapper)
