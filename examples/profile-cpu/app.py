"""CPU-bound Flask app: every request burns about 20 ms of pure-Python CPU.

Run: gunicorn --chdir examples/profile-cpu app:app
Expect: at 1 CPU, throughput peaks at 1-2 sync workers; threads and more workers do not help.
"""

import hashlib

from flask import Flask

app = Flask(__name__)


@app.get("/")
def index() -> dict[str, str]:
    digest = b"podfit"
    for _ in range(12000):
        digest = hashlib.sha256(digest).digest()
    total = sum(i * i for i in range(60000))
    return {"digest": digest.hex()[:16], "total": str(total)}
