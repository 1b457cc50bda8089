"""Leaking Flask app: every request keeps 2 KiB in a module-level list that is never
cleared (a cache without eviction, the most common slow leak), after 10 ms of I/O.

Run: gunicorn --chdir examples/profile-leak app:app
Expect: memory grows ~2 MiB per 1,000 requests; the recommendation recycles workers with
--max-requests (and jitter) and sizes memory for the growth until they recycle.
"""

import os
import time

from flask import Flask

LEAK_BYTES = 2 * 1024
_kept: list[bytes] = []

app = Flask(__name__)


@app.get("/")
def index() -> dict[str, int]:
    time.sleep(0.01)
    _kept.append(os.urandom(LEAK_BYTES))  # random bytes: every page is really resident
    return {"kept": len(_kept)}
