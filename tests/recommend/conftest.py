"""A real Prometheus for the recommend tests: seeded synthetic cAdvisor, kube-state-metrics and
podfit.runtime series backfilled with ``promtool tsdb create-blocks-from openmetrics``, served
on 127.0.0.1 and stopped by PID at the end of the session. No mock HTTP server."""

from __future__ import annotations

import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness.net import free_port
from harness.recommend_synth import MI, OpenMetrics, Spec, emit, simulate

SEED = 12
STEP = 60.0
#: The synthetic history ends an hour before the session starts (promtool writes no block
#: that overlaps a live head), on a whole minute so steps line up.
END = (time.time() // 3600) * 3600 - 3600
SPAN = 2 * 86400.0

SHOP = (
    Spec("web", cpu_base=0.2, cpu_request=1.0, mem_request=512 * MI, mem_limit=512 * MI),
    Spec("throttled", cpu_base=0.4, cpu_daily=0.2, cpu_request=0.3, cpu_limit=0.3,
         workers=4, mem_request=400 * MI, mem_limit=600 * MI),
    Spec("api", replicas=4, hpa_target=70, total_rps=40, cpu_per_request=0.01, latency=0.05,
         cpu_request=0.5, runtime_metrics=True, workers=2, mem_limit=400 * MI),
    Spec("api-red", replicas=3, hpa_target=60, total_rps=30, cpu_per_request=0.02,
         latency=0.08, cpu_request=0.5, runtime_metrics=True, workers=3, mem_limit=400 * MI,
         busy_gauge=False),  # an older podfit.runtime: only the latency histogram
    Spec("gunicorn-oom", runtime_metrics=True, workers=4, per_worker=80 * MI,
         worker_oom_at=0.6, mem_request=500 * MI, mem_limit=500 * MI),
    Spec("leaky", leak_per_hour=4 * MI, mem_limit=1024 * MI, mem_request=1024 * MI),
    Spec("fresh", history_hours=2),
    Spec("startup", startup_mem=300 * MI, startup_cpu=1.0, deploy_at=0.5,
         mem_limit=900 * MI),
)
JOBS = (Spec("nightly", namespace="jobs", replicas=1, cpu_base=0.05),)


def om_for(specs: tuple[Spec, ...], *, ksm: bool = True, extra: dict[str, str] | None = None,
           om: OpenMetrics | None = None, span: float = SPAN, step: float = STEP,
           job: str = "kubelet") -> OpenMetrics:
    """Add the series of ``specs`` (to ``om`` when given) and return the collection."""
    om = om or OpenMetrics(extra)
    om.extra = extra or {}
    for spec in specs:
        emit(om, spec, simulate(spec, END - span, END, step, SEED), ksm=ksm, job=job)
    return om




@dataclass
class RunningPrometheus:
    url: str
    process: subprocess.Popen[bytes]
    end: float = END

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def start_prometheus(root: Path, om: OpenMetrics, *, web_config: str = "") -> RunningPrometheus:
    """Backfill ``om`` into a TSDB under ``root`` and serve it on a free 127.0.0.1 port."""
    if not shutil.which("prometheus") or not shutil.which("promtool"):
        pytest.skip("prometheus/promtool not installed (scripts/setup.d/50-prometheus.sh)")
    root.mkdir(parents=True, exist_ok=True)
    source, data = root / "history.om", root / "data"
    with source.open("w", encoding="utf-8") as handle:
        handle.writelines(om.lines())
    subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics",
                    "--max-block-duration=24h", str(source), str(data)],
                   check=True, capture_output=True, timeout=600)
    config = root / "prometheus.yml"
    config.write_text("global:\n  scrape_interval: 1m\n", encoding="utf-8")
    port = free_port()
    log = (root / "prometheus.log").open("wb")
    argv = ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={data}",
            "--storage.tsdb.retention.time=90d", f"--web.listen-address=127.0.0.1:{port}"]
    if web_config:
        (root / "web.yml").write_text(web_config, encoding="utf-8")
        argv.append(f"--web.config.file={root / 'web.yml'}")
    process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300  # a busy CI machine
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/-/ready", timeout=2) as response:
                if response.status == 200:
                    return RunningPrometheus(url, process)
        except urllib.error.HTTPError:  # 401: up, behind basic auth
            return RunningPrometheus(url, process)
        except OSError:
            time.sleep(0.2)
        if process.poll() is not None:
            break
    RunningPrometheus(url, process).stop()
    raise RuntimeError(f"prometheus did not become ready: {(root / 'prometheus.log').read_text()}")


@pytest.fixture(scope="session")
def prom(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPrometheus]:
    """The main cluster: namespaces shop and jobs, full KSM and runtime metrics."""
    om = om_for(SHOP)
    om_for(JOBS, om=om)
    running = start_prometheus(tmp_path_factory.mktemp("prom-main"), om)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def prom_odd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPrometheus]:
    """Other setups: namespace bare without kube-state-metrics; two clusters (cluster label)
    in namespace multi; cAdvisor scraped twice (jobs kubelet and cadvisor) in dup."""
    small = {"span": 86400.0, "step": 120.0}
    om = om_for((Spec("bare", namespace="bare"),), ksm=False, **small)
    for cluster in ("east", "west"):
        om_for((Spec("web", namespace="multi"),), om=om, extra={"cluster": cluster}, **small)
    for job in ("kubelet", "cadvisor"):
        om_for((Spec("web", namespace="dup", replicas=1),), om=om, job=job,
               ksm=job == "kubelet", **small)
    running = start_prometheus(tmp_path_factory.mktemp("prom-odd"), om)
    yield running
    running.stop()
