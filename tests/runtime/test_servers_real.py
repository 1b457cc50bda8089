"""Real gunicorn and uvicorn with podfit: probes under saturation, metrics, JSON logs."""

from __future__ import annotations

import contextlib
import http.client
import json
import re
import signal
import threading
import time
from pathlib import Path

import pytest

from harness.net import free_port
from harness.runtime import (
    eventually,
    get,
    gunicorn_cmd,
    post,
    serve,
    uvicorn_cmd,
)

pytestmark = pytest.mark.real


def busy(port: int, path: str, count: int) -> list[threading.Thread]:
    def hit() -> None:
        with contextlib.suppress(OSError, http.client.HTTPException):
            get(port, path, timeout=30)

    threads = [threading.Thread(target=hit, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    return threads


def fast_enough(timings: list[float]) -> bool:
    """Probes answer within 100 ms: at least 90 % of them, and every one inside the kubelet's
    1 s default timeout. The slack absorbs other jobs on this shared 2-CPU machine (one probe
    once took 1.3 s at load average 11 while the same probes usually take 1–20 ms)."""
    quick = sum(t < 100 for t in timings)
    return quick >= 0.9 * len(timings) and max(timings) < 1000


def probe_ms(port: int, path: str = "/livez") -> float:
    began = time.perf_counter()
    status, _ = get(port, path, timeout=5)
    assert status == 200
    return (time.perf_counter() - began) * 1000


def test_gunicorn_liveness_answers_while_every_worker_is_busy(tmp_path: Path) -> None:
    port, health = free_port(), free_port()
    env = {"PODFIT_HEALTH_PORT": str(health)}
    # sync workers chosen explicitly (podfit's default is gthread): every slot can be busy
    with serve(gunicorn_cmd(port, "-w", "2", "-k", "sync", "wsgi_app:app"), env,
               tmp_path / "g.log", port, health_port=health):
        for _ in range(3):
            probe_ms(health)  # warm up the listener (first-request code paths)
        threads = busy(port, "/work?ms=4000", 4)  # 2 sync workers busy, 2 more queued
        time.sleep(0.5)
        timings = [probe_ms(health) for _ in range(20)]
        assert fast_enough(timings), timings
        assert probe_ms(health, "/readyz") < 100
        # the same probe on the app port queues behind the slow requests (the failure mode)
        began = time.perf_counter()
        assert get(port, "/livez", timeout=15)[0] == 200
        assert time.perf_counter() - began > 1.0
        for thread in threads:
            thread.join(15)


def test_uvicorn_liveness_answers_while_the_event_loop_is_blocked(tmp_path: Path) -> None:
    port, health = free_port(), free_port()
    env = {"PODFIT_HEALTH_PORT": str(health)}
    with serve(uvicorn_cmd(port), env, tmp_path / "u.log", port, health_port=health):
        for _ in range(3):
            probe_ms(health)
        threads = busy(port, "/block?ms=3000", 1)
        time.sleep(0.3)
        timings = [probe_ms(health) for _ in range(20)]
        assert fast_enough(timings), timings
        for thread in threads:
            thread.join(10)


def scrape_count(body: str, method: str) -> float:
    pattern = re.compile(r"^http_server_request_duration_seconds_count\{([^}]*)\} (\S+)$", re.M)
    return sum(float(v) for labels, v in pattern.findall(body)
               if f'http_request_method="{method}"' in labels)


def test_gunicorn_metrics_count_every_request_across_recycled_workers(tmp_path: Path) -> None:
    port, health = free_port(), free_port()
    mdir = tmp_path / "prom"
    mdir.mkdir()
    (mdir / "counter_99999.db").write_bytes(b"stale from a previous container run")
    env = {"PODFIT_HEALTH_PORT": str(health), "PROMETHEUS_MULTIPROC_DIR": str(mdir),
           "PODFIT_DRAIN_SECONDS": "0"}
    sent, pids = 0, set()
    with serve(gunicorn_cmd(port, "-w", "4", "--max-requests", "15", "wsgi_app:app"), env,
               tmp_path / "g.log", port, health_port=health, ready_path="/livez") as srv:
        assert not (mdir / "counter_99999.db").exists()  # wiped at start
        lock = threading.Lock()

        def client() -> None:
            nonlocal sent
            for _ in range(50):
                status, body = post(port, "/work?ms=1")
                assert status == 200
                with lock:
                    sent += 1
                    pids.add(json.loads(body)["pid"])

        threads = [threading.Thread(target=client) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert len(pids) > 4  # workers were recycled during the run
        assert sent == 200

        def files_settled() -> bool:
            master = srv.proc.pid
            current = {int(p) for p in
                       Path(f"/proc/{master}/task/{master}/children").read_text().split()}
            live = {int(p.stem.rsplit("_", 1)[1]) for p in mdir.glob("gauge_livesum_*.db")}
            histograms = {p.stem.split("_", 1)[1] for p in mdir.glob("histogram_*.db")}
            # recycled workers' live gauges dropped, their histograms folded into the archive:
            # files remain for the 4 current workers only
            return (len(current) == 4 and live <= current and "archive" in histograms
                    and {int(h) for h in histograms - {"archive"}} <= current
                    # a request is recorded when its body is closed, just after the client
                    # has the response, so the last few may land a moment later
                    and scrape_count(get(health, "/metrics")[1].decode(), "POST") >= sent)

        deadline = time.monotonic() + 15  # the master reaps exited workers within ~1 s
        while not files_settled():
            assert time.monotonic() < deadline, sorted(p.name for p in mdir.iterdir())
            time.sleep(0.2)
        status, body = get(health, "/metrics")
        assert status == 200
        text = body.decode()
        assert scrape_count(text, "POST") == sent  # exactly; the readiness wait used GET
        assert "podfit_container_cpu_limit_cores" in text
        srv.proc.send_signal(signal.SIGTERM)
        srv.proc.wait(30)


def parse_all(text: str) -> list[dict[str, object]]:
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines
    return [json.loads(line) for line in lines]  # every emitted line is JSON


def request_with_id(port: int, path: str, rid: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"X-Request-ID": rid})
        resp = conn.getresponse()
        resp.read()
        assert resp.getheader("X-Request-ID") == rid
        return resp.status
    finally:
        conn.close()


@pytest.mark.parametrize("server", ["gunicorn", "uvicorn"])
def test_every_log_line_is_json_with_the_request_id(server: str, tmp_path: Path) -> None:
    port = free_port()
    cmd = (gunicorn_cmd(port, "-w", "1", "wsgi_app:app") if server == "gunicorn"
           else uvicorn_cmd(port))
    env = {"PODFIT_DRAIN_SECONDS": "0"}
    with serve(cmd, env, tmp_path / "s.log", port) as srv:
        assert request_with_id(port, "/log", "rid-123") == 200
        assert request_with_id(port, "/work?ms=1", "rid-456") == 200
        assert get(port, "/readyz")[0] == 200  # probes are served but not access-logged
        if server == "gunicorn":
            assert get(port, "/boom")[0] == 500
        srv.proc.send_signal(signal.SIGTERM)
        assert srv.proc.wait(30) == 0
        records = parse_all(srv.logs())
    assert {"ts", "level", "logger", "message", "pid"} <= set(records[0])
    app_line = next(r for r in records if r["logger"] == "app")
    assert (app_line["request_id"], app_line["user"]) == ("rid-123", "u1")
    access = [r for r in records if r["logger"].endswith(".access")]  # type: ignore[union-attr]
    assert {(r["path"], r["status"], r.get("request_id")) for r in access} >= {
        ("/log", 200, "rid-123"), ("/work", 200, "rid-456")}
    assert not any(r["path"] == "/readyz" for r in access)
    if server == "gunicorn":
        error = next(r for r in records if r["level"] == "error")
        assert "RuntimeError: boom" in str(error["exc"])


def test_app_port_probes_and_readiness_states(tmp_path: Path) -> None:
    port = free_port()
    env = {"PODFIT_DRAIN_SECONDS": "3"}
    with serve(gunicorn_cmd(port, "-w", "1", "wsgi_app:app"), env, tmp_path / "g.log",
               port) as srv:
        assert get(port, "/startupz") == (200, b'{"state": "READY", "status": "ok"}')
        assert get(port, "/readyz")[0] == 200
        srv.proc.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        assert get(port, "/readyz") == (503, b'{"state": "DRAINING", "status": "unavailable"}')
        assert get(port, "/livez")[0] == 200  # draining is not dead
        assert get(port, "/work?ms=1")[0] == 200  # and still serving
        assert srv.proc.wait(30) == 0


def worker_private_mib(master: int) -> list[float]:
    pids = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    out = []
    for pid in pids:
        fields = dict(line.split(":", 1) for line in
                      Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:])
        private = sum(int(fields[k].split()[0]) for k in ("Private_Clean", "Private_Dirty"))
        out.append(private / 1024)
    return out


def workers_of(master: int) -> set[int]:
    return {int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()}


def collect_in_every_worker(port: int, master: int, workers: int) -> set[int]:
    """Wait until ``workers`` workers are up, then send ``/gc`` until each of them has
    answered one (the response names its pid): under load the second worker can boot after
    the first request, and one worker may take every request of a burst."""
    deadline = time.monotonic() + 120
    seen: set[int] = set()
    while time.monotonic() < deadline:
        alive = workers_of(master)
        if len(alive) == workers and alive <= seen:
            return alive
        answers: list[int] = []

        def hit(answers: list[int] = answers) -> None:
            with contextlib.suppress(OSError, http.client.HTTPException, ValueError):
                status, body = get(port, "/gc", timeout=30)
                if status == 200:
                    answers.append(json.loads(body)["pid"])

        threads = [threading.Thread(target=hit, daemon=True) for _ in range(2 * workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        seen |= set(answers)
    raise AssertionError(f"workers {sorted(workers_of(master))} did not all collect: {seen}")


@pytest.mark.slow
def test_preload_with_gc_freeze_keeps_memory_shared(tmp_path: Path) -> None:
    results = {}
    for name, extra, podfit in (("preload", ["--preload"], False), ("podfit", [], True)):
        port = free_port()
        env = {"APP_BALLAST": "200000", "PODFIT_METRICS": "0"}
        with serve(gunicorn_cmd(port, "-w", "2", *extra, "wsgi_app:app", podfit=podfit), env,
                   tmp_path / f"{name}.log", port) as srv:
            collected = collect_in_every_worker(port, srv.proc.pid, 2)
            assert collected == workers_of(srv.proc.pid)  # the same two workers, measured now
            results[name] = worker_private_mib(srv.proc.pid)
    # podfit's config decides preload + gc.freeze; both runs measured both of their workers
    assert [len(results["preload"]), len(results["podfit"])] == [2, 2], results
    # a full collection in a worker writes every tracked object's GC header, turning the
    # preloaded pages private; frozen objects are never visited, so the pages stay shared
    assert max(results["podfit"]) < 0.5 * min(results["preload"]), results


def test_gunicorn_with_uvicorn_workers_gets_probes_metrics_and_drain(tmp_path: Path) -> None:
    port = free_port()
    env = {"PODFIT_DRAIN_SECONDS": "2", "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "m")}
    cmd = gunicorn_cmd(port, "-w", "2", "-k", "uvicorn.workers.UvicornWorker", "asgi_app:app")
    with serve(cmd, env, tmp_path / "g.log", port) as srv:
        assert get(port, "/readyz")[0] == 200
        for _ in range(5):
            assert post(port, "/work?ms=1")[0] == 200
        assert eventually(lambda: scrape_count(get(port, "/metrics")[1].decode(), "POST") >= 5)
        assert scrape_count(get(port, "/metrics")[1].decode(), "POST") == 5
        srv.proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        assert get(port, "/readyz")[0] == 503
        assert get(port, "/work?ms=1")[0] == 200  # still serving during the drain
        assert srv.proc.wait(30) == 0
