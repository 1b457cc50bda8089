"""I/O-bound Flask app: every request waits 50 ms on a simulated database call.

Run: gunicorn --chdir examples/profile-io app:app
Expect: throughput grows with concurrent request slots (threads), not with CPU.
"""

import time

from flask import Flask

app = Flask(__name__)


@app.get("/")
def index() -> dict[str, bool]:
    time.sleep(0.05)
    return {"ok": True}
