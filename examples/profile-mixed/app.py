"""Mixed Flask app: every request burns ~5 ms of CPU and waits 40 ms on a simulated database.

Run: gunicorn --chdir examples/profile-mixed app:app
Expect: threads help until the CPU saturates (about 8-16 slots at 1 CPU); then more threads
only add queueing.
"""

import hashlib
import time

from flask import Flask

app = Flask(__name__)


@app.get("/")
def index() -> dict[str, str]:
    digest = b"podfit"
    for _ in range(20000):  # ~5 ms of CPU
        digest = hashlib.sha256(digest).digest()
    time.sleep(0.04)
    return {"digest": digest.hex()[:16]}
