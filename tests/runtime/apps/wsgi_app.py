"""A plain WSGI app for the real-server tests: ``/work?ms=N`` sleeps N ms then answers 200."""

from __future__ import annotations

import gc
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

log = logging.getLogger("app")
#: Requests inside ``/inflight`` right now, and the most seen at once (per process).
_inflight = [0, 0]
_inflight_lock = threading.Lock()
#: GC-tracked objects built at import (lists, like any app's module-level data structures),
#: so preload + gc.freeze has something to share; the bench sets APP_BALLAST.
BALLAST = [[i, str(i)] for i in range(int(os.environ.get("APP_BALLAST", "0")))]


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    path = environ.get("PATH_INFO", "")
    query = dict(p.split("=", 1) for p in environ.get("QUERY_STRING", "").split("&") if "=" in p)
    if path == "/work":
        time.sleep(int(query.get("ms", "20")) / 1000)
    elif path == "/inflight":  # an I/O-bound handler that counts how many overlap
        with _inflight_lock:
            _inflight[0] += 1
            _inflight[1] = max(_inflight[1], _inflight[0])
        time.sleep(int(query.get("ms", "500")) / 1000)
        with _inflight_lock:
            _inflight[0] -= 1
        body = b'{"max_inflight":%d,"pid":%d}' % (_inflight[1], os.getpid())
        start_response("200 OK", [("Content-Type", "application/json"),
                                  ("Content-Length", str(len(body)))])
        return [body]
    elif path == "/gc":
        gc.collect()
    elif path == "/log":
        log.info("hello from the app", extra={"user": "u1"})
    elif path == "/boom":
        raise RuntimeError("boom")
    body = b'{"ok":true,"pid":%d}' % os.getpid()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body)))])
    return [body]
