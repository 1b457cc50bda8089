"""A Celery app configured by podfit, for the real-worker test (in-memory broker)."""

from __future__ import annotations

from celery import Celery

from podfit.runtime.celery import configure

app = Celery("podfit_test", broker="memory://", backend="cache+memory://")
app.conf.worker_prefetch_multiplier = 4  # set by the user: podfit must keep it
configure(app)


@app.task
def add(x: int, y: int) -> int:
    return x + y
