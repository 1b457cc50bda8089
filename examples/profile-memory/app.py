"""Memory-heavy Flask app: each worker builds a 120 MiB lookup table when it imports the app.

Run: gunicorn --chdir examples/profile-memory app:app
Expect: under a 512 MiB limit, the number of workers is capped by memory, not by CPU. With
--preload the table is built once in the master and shared copy-on-write.
"""

import time

from flask import Flask

TABLE_BYTES = 120 * 2**20
# Filled, not just reserved: every page is resident, as a real cache or model would be.
TABLE = bytes(range(256)) * (TABLE_BYTES // 256)

app = Flask(__name__)


@app.get("/")
def index() -> dict[str, int]:
    time.sleep(0.02)  # a downstream call
    return {"byte": TABLE[int(time.monotonic_ns()) % TABLE_BYTES]}
