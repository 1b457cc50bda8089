"""Flask, FastAPI/Starlette, Django and Celery adapters, each with the real framework."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.net import free_port
from harness.runtime import (
    APPS,
    VENV_BIN,
    cgroup_pair,
    cgroups_usable,
    eventually,
    get,
    gunicorn_cmd,
    post,
    serve,
    uvicorn_cmd,
)

COUNT = "http_server_request_duration_seconds_count"


def sample(method: str, route: str, status: str) -> float:
    from prometheus_client import REGISTRY

    return REGISTRY.get_sample_value(COUNT, {
        "http_request_method": method, "http_route": route,
        "http_response_status_code": status}) or 0.0


def test_flask_route_template_and_probes() -> None:
    from flask import Flask

    from podfit.runtime.integrations.flask import init_app

    app = Flask("podfit_flask_test")

    @app.get("/users/<int:uid>")
    def user(uid: int) -> dict[str, int]:
        return {"uid": uid}

    init_app(app, probes=True)
    client = app.test_client()
    before = sample("GET", "/users/<int:uid>", "200")
    resp = client.get("/users/7", headers={"X-Request-ID": "f-1"})
    assert resp.json == {"uid": 7}
    assert resp.headers["X-Request-ID"] == "f-1"
    resp.close()  # a WSGI server closes the body; that is when the duration is recorded
    assert sample("GET", "/users/<int:uid>", "200") == before + 1
    assert client.get("/livez").status_code == 200
    assert app.podfit_wrapped is True


def test_fastapi_route_template() -> None:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from podfit.runtime.integrations.starlette import install

    app = FastAPI()

    @app.get("/items/{item_id}")
    async def read(item_id: int) -> dict[str, int]:
        return {"item_id": item_id}

    install(app, probes=True)
    before = sample("GET", "/items/{item_id}", "200")
    with TestClient(app) as client:
        resp = client.get("/items/3")
        assert resp.json() == {"item_id": 3}
        assert "x-request-id" in resp.headers
        assert client.get("/readyz").status_code == 200
    assert sample("GET", "/items/{item_id}", "200") == before + 1


@pytest.mark.real
def test_django_under_gunicorn(tmp_path: Path) -> None:
    port, health = free_port(), free_port()
    env = {"PODFIT_HEALTH_PORT": str(health), "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "m"),
           "PODFIT_DRAIN_SECONDS": "0"}
    with serve(gunicorn_cmd(port, "-w", "2", "django_app:application"), env,
               tmp_path / "d.log", port, health_port=health, ready_path="/items/1/") as srv:
        assert post(port, "/items/42/") == (200, b'{"pk": 42}')

        def count() -> float:
            metrics = get(health, "/metrics")[1].decode()
            match = re.search(r'http_server_request_duration_seconds_count\{'
                              r'http_request_method="POST",http_response_status_code="200",'
                              r'http_route="/items/<int:pk>/"\} (\S+)', metrics)
            return float(match.group(1)) if match else 0.0

        assert eventually(lambda: count() >= 1.0)
        assert count() == 1.0  # POST: the readiness wait's GETs are counted apart
        srv.proc.send_signal(signal.SIGTERM)
        srv.proc.wait(30)


@pytest.mark.real
def test_django_asgi_under_the_podfit_uvicorn_runner(tmp_path: Path) -> None:
    port = free_port()
    cmd = uvicorn_cmd(port, "django_app:asgi_application")
    with serve(cmd, {"PODFIT_DRAIN_SECONDS": "0"}, tmp_path / "u.log", port,
               ready_path="/items/1/") as srv:
        assert post(port, "/items/5/") == (200, b'{"pk": 5}')
        assert get(port, "/readyz")[0] == 200
        pattern = (r'http_server_request_duration_seconds_count\{http_request_method="POST",'
                   r'http_response_status_code="200",http_route="/items/<int:pk>/"\} 1.0')
        assert eventually(lambda: bool(re.search(pattern, get(port, "/metrics")[1].decode())))
        srv.proc.send_signal(signal.SIGTERM)
        srv.proc.wait(30)


def test_celery_settings_fit_the_grace_period() -> None:
    from podfit.runtime.celery import settings

    conf = settings({"PODFIT_CPU_LIMIT": "2.5", "PODFIT_GRACE_SECONDS": "60"})
    assert conf["worker_concurrency"] == 2
    assert conf["worker_soft_shutdown_timeout"] == 52.0  # T - 8 s for the cold shutdown
    assert (conf["task_acks_late"], conf["worker_prefetch_multiplier"]) == (True, 1)


@pytest.mark.real
@pytest.mark.skipif(cgroups_usable() is not None, reason=str(cgroups_usable()))
def test_celery_worker_concurrency_from_a_real_cgroup(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("WEB_CONCURRENCY",
                                                            "PODFIT_CPU_LIMIT")}
    env["REMAP_SIGTERM"] = "SIGQUIT"
    log = tmp_path / "celery.log"
    with cgroup_pair() as groups:
        (groups.leaf("cpu") / "cpu.cfs_quota_us").write_text("100000")  # 1 CPU
        with log.open("wb") as out:
            proc = subprocess.Popen(groups.wrap([str(VENV_BIN / "celery"), "-A", "celery_app",
                                                 "worker", "--pool", "prefork", "-l", "info"]),
                                    cwd=APPS, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 40
            while "ready." not in log.read_text() and time.monotonic() < deadline:
                assert proc.poll() is None, log.read_text()
                time.sleep(0.2)
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(30) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    text = log.read_text()
    assert "concurrency: 1 (prefork)" in text  # the host has 2 CPUs; the group allows 1
    records = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    assert any(r["message"].endswith("ready.") for r in records)  # worker logs are JSON


@pytest.mark.real
@pytest.mark.slow
def test_celery_sigterm_mid_task_exits_inside_the_grace_period_and_requeues(
        tmp_path: Path) -> None:
    broker = tmp_path / "broker"
    broker.mkdir()
    marker = tmp_path / "task"
    env = {**os.environ, "CELERY_FS_DIR": str(broker), "REMAP_SIGTERM": "SIGQUIT",
           "PODFIT_GRACE_SECONDS": "12"}
    log = tmp_path / "celery.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([str(VENV_BIN / "celery"), "-A", "celery_app", "worker",
                                 "--pool", "prefork", "-c", "1", "-l", "info"],
                                cwd=APPS, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        subprocess.run([sys.executable, "-c", "from celery_app import sleepy; "
                        f"sleepy.delay(60, {str(marker)!r})"], cwd=APPS, env=env, check=True,
                       timeout=60)
        deadline = time.monotonic() + 60
        while not marker.with_suffix(".started").exists():
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        began = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        took = time.monotonic() - began
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = log.read_text()
    assert "Soft Shutdown, terminating in 4.0 seconds" in text  # T 12 - 8
    assert "Restoring 1 unacknowledged message(s)" in text
    assert took < 12.0, took  # before the kubelet's SIGKILL
    assert not marker.exists()  # the task was cut off...
    assert len(list(broker.glob("*.msg"))) == 1  # ...and its message is back in the queue
    assert not (APPS / "control").exists()  # nothing written into the source tree
