"""The framework-agnostic core in-process: health state and checks, drain budget, JSON
formatter, WSGI/ASGI middleware, and the import cost of ``podfit.runtime``."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import time
from typing import Any

import pytest

from podfit.runtime.drain import Drainer, DrainSettings
from podfit.runtime.health import Health, State
from podfit.runtime.logs import JsonFormatter, request_id_var
from podfit.runtime.middleware import ASGIMiddleware, WSGIMiddleware


def test_probe_answers_follow_the_lifecycle() -> None:
    health = Health()
    assert health.respond("/startupz") == (503, b'{"state": "STARTING", "status": "unavailable"}')
    assert health.respond("/livez")[0] == 200  # type: ignore[index]
    assert health.respond("/readyz")[0] == 503  # type: ignore[index]
    health.mark_ready()
    assert health.respond("/readyz") == (200, b'{"state": "READY", "status": "ok"}')
    health.set_state(State.DRAINING)
    health.mark_ready()  # never undoes a drain
    assert health.respond("/readyz")[0] == 503  # type: ignore[index]
    assert health.respond("/livez")[0] == 200  # type: ignore[index]
    assert health.respond("/other") is None


def test_readiness_checks_with_timeout() -> None:
    health = Health()
    health.mark_ready()
    health.add_check("db", lambda: True)
    health.add_check("slow", lambda: time.sleep(2), timeout=0.2)
    health.add_check("broken", lambda: 1 / 0)
    began = time.monotonic()
    status, body = health.respond("/readyz")  # type: ignore[misc]
    assert time.monotonic() - began < 1.0
    assert status == 503
    assert json.loads(body)["checks"] == {"db": "ok", "slow": "timeout",
                                          "broken": "error: ZeroDivisionError"}
    assert health.respond("/livez")[0] == 200  # type: ignore[index]  # liveness runs no checks


def test_state_is_shared_with_forked_children() -> None:
    health = Health()
    pid = os.fork()
    if pid == 0:  # child: what the gunicorn master does on SIGTERM
        health.set_state(State.DRAINING)
        os._exit(0)
    os.waitpid(pid, 0)
    assert health.state is State.DRAINING


def test_drain_budget_and_timer() -> None:
    settings = DrainSettings.from_env({"PODFIT_DRAIN_SECONDS": "5", "PODFIT_GRACE_SECONDS": "30"})
    assert settings.shutdown_timeout == 22.0  # 30 - 5 - 3
    tight = DrainSettings.from_env({"PODFIT_DRAIN_SECONDS": "40", "PODFIT_GRACE_SECONDS": "10"})
    assert (tight.drain_seconds, tight.shutdown_timeout) == (6.0, 1.0)  # drain cut to fit
    stopped: list[float] = []
    health = Health()
    drainer = Drainer(lambda: stopped.append(time.monotonic()), DrainSettings(0.2, 30), health)
    began = time.monotonic()
    drainer.begin()
    drainer.begin()  # a second SIGTERM does not restart or shorten the drain
    assert health.state is State.DRAINING
    time.sleep(0.5)
    assert len(stopped) == 1
    assert 0.2 <= stopped[0] - began < 0.4


def test_json_formatter_schema_for_access_and_errors() -> None:
    fmt = JsonFormatter()
    atoms = {"m": "GET", "U": "/x", "s": "201", "D": 1500, "h": "10.0.0.1",
             "{x-request-id}o": "abc"}
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "%(h)s", (atoms,),
                               None)
    out = json.loads(fmt.format(record))
    assert {k: out[k] for k in ("method", "path", "status", "duration_ms", "request_id")} == {
        "method": "GET", "path": "/x", "status": 201, "duration_ms": 1.5, "request_id": "abc"}
    uv = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                           ("1.2.3.4:5", "POST", "/y?q=1", "1.1", 404), None)
    assert json.loads(fmt.format(uv))["path"] == "/y"
    try:
        raise ValueError("bad \"quote\"\nnewline")
    except ValueError:
        err = logging.LogRecord("app", logging.ERROR, __file__, 1, "failed: %s", ("x",),
                                sys.exc_info())
    token = request_id_var.set("rid-9")
    try:
        line = fmt.format(err)
    finally:
        request_id_var.reset(token)
    parsed = json.loads(line)
    assert "\n" not in line
    assert (parsed["message"], parsed["request_id"]) == ("failed: x", "rid-9")
    assert "ValueError" in parsed["exc"]


def test_wsgi_middleware_probes_request_id_and_metrics() -> None:
    from prometheus_client import REGISTRY

    health = Health()
    seen: dict[str, Any] = {}

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen["rid"] = request_id_var.get()
        environ["podfit.route"] = "/things/{id}"
        start_response("404 Not Found", [])
        return [b"no"]

    wrapped = WSGIMiddleware(app, health=health, probes=True)
    labels = {"http_request_method": "GET", "http_route": "/things/{id}",
              "http_response_status_code": "404"}
    before = REGISTRY.get_sample_value("http_server_request_duration_seconds_count", labels) or 0
    headers: list[Any] = []
    body = wrapped({"PATH_INFO": "/things/1", "REQUEST_METHOD": "GET",
                    "HTTP_X_REQUEST_ID": "given"}, lambda s, h, e=None: headers.extend(h))
    list(body)
    body.close()  # type: ignore[attr-defined]
    assert seen["rid"] == "given"
    assert ("X-Request-ID", "given") in headers
    after = REGISTRY.get_sample_value("http_server_request_duration_seconds_count", labels)
    assert after == before + 1
    statuses: list[str] = []
    assert wrapped({"PATH_INFO": "/readyz"}, lambda s, h: statuses.append(s)) == [
        b'{"state": "READY", "status": "ok"}']
    assert statuses == ["200 OK"]


def test_asgi_middleware_marks_ready_on_lifespan_and_answers_probes() -> None:
    health = Health()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await receive()
            await send({"type": "lifespan.startup.complete"})
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    wrapped = ASGIMiddleware(app, health=health, probes=True)
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def receive() -> dict[str, Any]:
        return {"type": "lifespan.startup"}

    async def scenario() -> None:
        await wrapped({"type": "http", "path": "/readyz", "headers": []}, receive, send)
        assert sent[-2]["status"] == 503  # still STARTING
        await wrapped({"type": "lifespan"}, receive, send)
        await wrapped({"type": "http", "path": "/readyz", "headers": []}, receive, send)
        assert sent[-2]["status"] == 200
        await wrapped({"type": "http", "path": "/a", "method": "GET",
                       "headers": [(b"x-request-id", b"r1")]}, receive, send)
        assert (b"x-request-id", b"r1") in sent[-2]["headers"]

    asyncio.run(scenario())


def test_import_is_cheap_and_pulls_nothing_heavy() -> None:
    code = ("import sys, time; t = time.process_time(); import podfit.runtime; "
            "d = time.process_time() - t; import podfit.runtime.limits, podfit.runtime.policy; "
            "print(d); print(' '.join(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    modules = set(out[1].split())
    assert float(out[0]) < 0.05  # CPU time; measured ~3 ms, generous for a slow CI machine
    for heavy in ("prometheus_client", "http.server", "podfit.core", "click", "rich", "yaml",
                  "psutil", "gunicorn", "uvicorn", "asyncio"):
        assert heavy not in modules, heavy


@pytest.mark.parametrize("module", ["gunicorn_conf", "uvicorn", "celery", "metrics",
                                    "integrations.flask", "integrations.starlette",
                                    "integrations.django"])
def test_every_module_imports_without_its_framework_loaded(module: str) -> None:
    code = f"import podfit.runtime.{module}, sys; print('flask' in sys.modules)"
    env = {**os.environ, "PODFIT_METRICS": "0"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=env).stdout.strip()
    assert out == "False"  # adapters import their framework lazily


def test_public_names_resolve_lazily() -> None:
    from podfit import runtime

    for name in runtime.__all__:
        assert getattr(runtime, name) is not None, name
    with pytest.raises(AttributeError):
        _ = runtime.nothing_here


def test_merging_a_dead_worker_keeps_every_scraped_value(tmp_path: Any) -> None:
    from prometheus_client import CollectorRegistry, generate_latest, mmap_dict, multiprocess

    from podfit.runtime.metrics import merge_dead_process

    key = mmap_dict.mmap_key("jobs", "jobs_total", [], [], "Jobs.")
    for pid, value in ((11, 3.0), (12, 4.0), (13, 5.0)):
        values = mmap_dict.MmapedDict(str(tmp_path / f"counter_{pid}.db"))
        values.write_value(key, value, 0.0)
        values.close()

    def scrape() -> bytes:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=str(tmp_path))
        return generate_latest(registry)

    before = scrape()
    assert b"jobs_total 12.0" in before
    assert merge_dead_process(11, str(tmp_path)) == 1
    assert merge_dead_process(12, str(tmp_path)) == 1
    assert merge_dead_process(99, str(tmp_path)) == 0
    assert scrape() == before
    assert sorted(p.name for p in tmp_path.glob("*.db")) == ["counter_13.db",
                                                             "counter_archive.db"]


def test_multiprocess_dir_is_created_wiped_and_removed(tmp_path: Any) -> None:
    from podfit.runtime.metrics import prepare_multiprocess_dir, remove_multiprocess_dir

    env: dict[str, str] = {}
    made = prepare_multiprocess_dir(env)
    assert made is not None
    try:
        assert env["PROMETHEUS_MULTIPROC_DIR"] == made
        assert made.startswith("/dev/shm/podfit-metrics-")  # tmpfs, not the overlay disk
    finally:
        remove_multiprocess_dir(made)
    assert not os.path.exists(made)
    given = tmp_path / "mine"
    given.mkdir()
    (given / "histogram_7.db").write_bytes(b"old")
    (given / "notes.txt").write_text("kept")
    assert prepare_multiprocess_dir({"PROMETHEUS_MULTIPROC_DIR": str(given)}) == str(given)
    assert sorted(p.name for p in given.iterdir()) == ["notes.txt"]  # only *.db are wiped
    remove_multiprocess_dir(str(given))
    assert given.exists()  # a directory podfit did not create is never removed
