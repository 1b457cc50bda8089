"""podfit.runtime's worker metrics, read back the way Prometheus scrapes them: two real
forked workers under prometheus_client's multiprocess mode, real exit statuses."""

from __future__ import annotations

import faulthandler
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from podfit.runtime.metrics import exit_reason


def test_exit_reasons_from_real_statuses() -> None:
    def status_of(action: str) -> int:
        pid = os.fork()
        if pid == 0:  # the child ends itself: no race with a signal sent before it is ready
            faulthandler.disable()  # pytest's handler would print a stack on SIGABRT
            if action == "kill":
                os.kill(os.getpid(), signal.SIGKILL)  # what the kernel OOM killer sends
            if action == "abort":
                os.abort()  # what gunicorn's timeout sends first
            os._exit(0 if action == "ok" else 3)
        return os.waitpid(pid, 0)[1]

    assert exit_reason(status_of("kill")) == "oom"
    assert exit_reason(status_of("abort")) == "timeout"
    assert exit_reason(status_of("ok")) == "recycled"
    assert exit_reason(status_of("fail")) == "error"
    assert exit_reason(status_of("kill"), timed_out=True) == "timeout"


def test_worker_gauges_add_up_across_processes() -> None:
    pytest.importorskip("prometheus_client")
    script = textwrap.dedent("""
        import os, tempfile
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp()
        from podfit.runtime import metrics
        read_end, write_end = os.pipe()
        go_read, go_write = os.pipe()  # children stay busy until the scrape is taken
        pids = []
        for size in (10, 40):
            pid = os.fork()
            if pid == 0:
                metrics.worker_started(slots=4)
                ballast = bytearray(size * 2**20)
                ballast[::4096] = b"x" * len(ballast[::4096])
                with metrics.busy_slot():
                    metrics.sample_worker_memory()
                    os.write(write_end, b".")
                    os.read(go_read, 1)
                os._exit(0)
            pids.append(pid)
        os.read(read_end, 1); os.read(read_end, 1)
        metrics.worker_exited("oom")
        print(metrics.render()[0].decode())
        os.write(go_write, b"..")
        for pid in pids:
            os.waitpid(pid, 0)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=60, check=True).stdout
    values = {}
    for line in out.splitlines():
        if line.startswith("podfit_"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    assert values["podfit_workers"] == 2
    assert values["podfit_request_slots"] == 8
    assert values["podfit_request_slots_busy"] == 2
    assert values["podfit_worker_memory_bytes"] > 40 * 2**20  # the larger worker
    assert values['podfit_worker_restarts_total{reason="oom"}'] == 1
