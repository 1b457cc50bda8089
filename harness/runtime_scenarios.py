"""Drain scenarios shared by the tests and ``bench/bench_runtime.py``.

A bounded keep-alive client sends traffic to 127.0.0.1; mid-traffic the server's main
process gets SIGTERM (as the kubelet sends it to PID 1); the client keeps going until the
endpoint is withdrawn plus a propagation delay, then stops sending new requests.
"""

from __future__ import annotations

import signal
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from harness.net import free_port
from harness.runtime import LoadClient, gunicorn_cmd, serve, uvicorn_cmd

SERVERS = ("gunicorn-sync", "gunicorn-gthread", "uvicorn")
DRAIN_SECONDS = 2.0
GRACE_SECONDS = 15.0


@dataclass
class DrainOutcome:
    server: str
    podfit: bool
    ok: int
    lost: int
    non_2xx: int
    errors: int
    error_kinds: dict[str, int]
    exit_code: int
    seconds_to_exit: float
    readiness_503_after: float | None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def command(server: str, port: int, podfit: bool) -> list[str]:
    if server == "uvicorn":
        return uvicorn_cmd(port, podfit=podfit)
    extra = ["-w", "2"]
    if server == "gunicorn-gthread":
        extra += ["-k", "gthread", "--threads", "4"]
    else:  # explicit: podfit's config alone would run gthread (its default for unmeasured apps)
        extra += ["-k", "sync"]
    return gunicorn_cmd(port, *extra, "wsgi_app:app", podfit=podfit)


def run_drain(server: str, podfit: bool, workdir: Path, *, warmup: float = 1.5,
              propagation: float = 0.5, concurrency: int = 8) -> DrainOutcome:
    port, health = free_port(), free_port()
    env = {"PODFIT_DRAIN_SECONDS": str(DRAIN_SECONDS), "PODFIT_GRACE_SECONDS": str(GRACE_SECONDS),
           "PODFIT_HEALTH_PORT": str(health)}
    log = workdir / f"{server}-{'podfit' if podfit else 'plain'}.log"
    with serve(command(server, port, podfit), env, log, port,
               health_port=health if podfit else None) as srv:
        client = LoadClient(port, concurrency=concurrency, propagation=propagation,
                            readiness_port=health if podfit else None).start()
        time.sleep(warmup)
        sent = time.monotonic()
        srv.proc.send_signal(signal.SIGTERM)
        if not podfit:
            client.withdraw()  # no readiness to watch: routing stops P seconds after SIGTERM
        result = client.join()
        code = srv.proc.wait(timeout=GRACE_SECONDS + 10)
        exited = time.monotonic() - sent
    return DrainOutcome(
        server, podfit, result.ok, result.lost, result.non_2xx, result.errors,
        result.error_kinds, code, round(exited, 2),
        None if result.saw_503_at is None else round(result.saw_503_at - sent, 3))
