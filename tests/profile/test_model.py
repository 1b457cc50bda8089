"""From runs to a recommendation: the choice, the memory model and the JSON contract."""

from __future__ import annotations

import json

from podfit.core.policy import CpuLimitPolicy
from podfit.profile.model import ModelSettings, fit_memory, recommend
from podfit.profile.results import LoadResult, ProcessMemory, ProfileResult, RunResult

MI = 2**20


def _load(rps: float, cpu: float, target: float | None = None) -> LoadResult:
    return LoadResult(mode="open" if target else "closed", generator="builtin", duration_s=2,
                      requests=int(rps * 2), errors=0, rps=rps, target_rps=target, p50_ms=10,
                      p90_ms=20, p99_ms=50, max_ms=60, connections=8, generator_cpu_cores=0.1,
                      generator_saturated=False, app_cpu_cores=cpu)


def _run(workers: int, threads: int, capacity: float, *, per_worker: int = 40 * MI,
         memory_limit: int = 512 * MI, status: str = "ok") -> RunResult:
    cpu = min(1.0, capacity * 0.008 + 0.02)
    processes = (ProcessMemory(1, "master", 20 * MI, 15 * MI, 10 * MI),
                 *(ProcessMemory(10 + i, "worker", per_worker + 10 * MI, per_worker, per_worker
                                 - 5 * MI) for i in range(workers)))
    return RunResult(
        workers=workers, threads=threads, worker_class="gthread" if threads > 1 else "sync",
        cpu_limit=1.0, memory_limit=memory_limit, status=status, ready_s=0.5,
        closed=_load(capacity / 0.9, cpu), open=(_load(capacity / 2, cpu / 2, capacity / 2),
                                                 _load(capacity, cpu, capacity)),
        capacity_rps=capacity, cpu_cores_at_capacity=cpu, cpu_cores=cpu,
        memory_peak=20 * MI + workers * per_worker, processes=processes)


def test_the_smallest_configuration_near_the_best_wins() -> None:
    runs = [_run(1, 1, 100), _run(2, 1, 180), _run(3, 1, 185), _run(2, 2, 178)]
    rec = recommend(runs, ModelSettings())
    assert rec is not None
    assert (rec.workers, rec.threads) == (2, 1)  # 180 is within 5 % of 185, with fewer workers
    assert rec.capacity_rps_per_pod == 180


def test_memory_caps_workers_with_the_margin() -> None:
    # 150 MiB per worker: 3 workers need (20 + 450) × 1.25 = 588 MiB > 512 MiB.
    runs = [_run(w, 1, 100 * w, per_worker=150 * MI) for w in (1, 2, 3)]
    rec = recommend(runs, ModelSettings())
    assert rec is not None
    assert rec.workers == 2
    assert rec.memory_limit == "400Mi"  # (20 + 2 × 150) × 1.25
    cap = next(r for r in rec.reasons if r.field == "workers.memory_cap")
    assert cap.value == "2"


def test_memory_fit_is_linear_in_workers() -> None:
    fit = fit_memory([_run(w, 1, 50, per_worker=70 * MI) for w in (1, 2, 4)])
    assert round(fit.base / MI) == 20
    assert round(fit.per_worker / MI) == 70


def test_cpu_request_is_what_the_capacity_took_and_the_limit_follows_the_policy() -> None:
    runs = [_run(1, 1, 80)]
    none = recommend(runs, ModelSettings())
    integer = recommend(runs, ModelSettings(cpu_limit_policy=CpuLimitPolicy.INTEGER))
    assert none is not None
    assert integer is not None
    assert none.cpu_request == "660m"  # 80 × 0.008 + 0.02
    assert none.cpu_limit is None
    assert integer.cpu_limit == "1"


def test_no_clean_run_no_recommendation() -> None:
    assert recommend([_run(1, 1, 0, status="crashed")], ModelSettings()) is None


def test_json_contract() -> None:
    runs = [_run(1, 1, 100), _run(2, 1, 190)]
    rec = recommend(runs, ModelSettings(peak_rps=1000))
    assert rec is not None
    data = json.loads(json.dumps(ProfileResult(tuple(runs), rec, "cgroup-v1", "wrk", 1.0)
                                 .to_json()))
    out = data["recommendation"]
    assert len(data["runs"]) == 2
    assert isinstance(out["workers"], int)
    assert isinstance(out["threads"], int)
    assert isinstance(out["worker_class"], str)
    assert set(out["requests"]) == {"cpu", "memory"}
    assert out["requests"]["memory"].endswith("Mi")
    assert out["limits"]["cpu"] is None
    assert out["limits"]["memory"] == out["requests"]["memory"]
    assert set(out["hpa"]) == {"minReplicas", "maxReplicas", "targetCPUUtilizationPercentage",
                               "scaleDownStabilizationSeconds"}
    assert all(isinstance(v, int) for v in out["hpa"].values())
    assert out["hpa"]["maxReplicas"] >= 1000 / 190
    assert out["slo_p99_ms"] == 200.0
    assert out["capacity_rps_per_pod"] == 190
    assert {r["field"] for r in out["reasons"]} >= {"workers", "threads", "requests.cpu",
                                                     "limits.memory", "hpa.maxReplicas"}
    assert all(set(r) == {"field", "value", "reason"} for r in out["reasons"])
