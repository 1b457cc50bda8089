"""A plain ASGI app for the real-server tests: ``/work?ms=N`` sleeps N ms then answers 200."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from typing import Any

log = logging.getLogger("app")


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    query = dict(p.split("=", 1) for p in scope.get("query_string", b"").decode().split("&")
                 if "=" in p)
    if scope["path"] == "/work":
        await asyncio.sleep(int(query.get("ms", "20")) / 1000)
    elif scope["path"] == "/block":
        time.sleep(int(query.get("ms", "500")) / 1000)  # blocks the event loop on purpose
    elif scope["path"] == "/log":
        log.info("hello from the app", extra={"user": "u1"})
    body = b'{"ok":true,"pid":%d}' % os.getpid()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})
