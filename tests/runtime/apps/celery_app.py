"""A Celery app configured by podfit, for the real-worker tests.

The broker is in-memory, or a directory (kombu's filesystem transport) when CELERY_FS_DIR is
set, so a test process can send a task to a worker process without a broker server.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from celery import Celery

from podfit.runtime.celery import configure

_fs = os.environ.get("CELERY_FS_DIR")
app = Celery("podfit_test", broker="filesystem://" if _fs else "memory://")
if _fs:
    # control_folder too: kombu's default is ./control, which would land in the source tree
    app.conf.broker_transport_options = {"data_folder_in": _fs, "data_folder_out": _fs,
                                         "control_folder": os.path.join(_fs, "control")}
app.conf.worker_prefetch_multiplier = 4  # set by the user: podfit must keep it
configure(app)


@app.task
def add(x: int, y: int) -> int:
    return x + y


@app.task
def sleepy(seconds: float, marker: str) -> None:
    Path(marker).with_suffix(".started").touch()
    time.sleep(seconds)
    Path(marker).touch()
