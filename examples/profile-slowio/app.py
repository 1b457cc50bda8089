"""Slow-I/O Flask app: every request waits 150 ms on a simulated backend and burns ~2 ms of CPU.

Run: gunicorn --chdir examples/profile-slowio app:app
Expect: capacity grows with request slots far past 8 threads (one slot serves ~6 rps); one or
two processes with 32+ threads serve it, at a fraction of the memory of many workers.
"""

import hashlib
import time

from flask import Flask

app = Flask(__name__)


@app.get("/")
def index() -> dict[str, str]:
    time.sleep(0.15)
    digest = b"podfit"
    for _ in range(8000):  # ~2 ms of CPU
        digest = hashlib.sha256(digest).digest()
    return {"digest": digest.hex()[:16]}
