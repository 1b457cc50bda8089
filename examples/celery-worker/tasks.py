"""A Celery worker with no web process: `podfit init` writes a worker Deployment for it."""

import os
import time

from celery import Celery

app = Celery("tasks", broker=os.environ.get("CELERY_BROKER_URL", "memory://"),
             backend=os.environ.get("CELERY_RESULT_BACKEND", "cache+memory://"))


@app.task
def add(x: int, y: int) -> int:
    return x + y


@app.task
def slow_report(seconds: float = 5.0) -> str:
    time.sleep(seconds)
    return "done"
