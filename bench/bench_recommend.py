"""Benchmark ``podfit recommend``: (1) counterfactual replay on seeded synthetic traces against
KRR ``simple`` / ``simple_limit`` and the VPA recommender (written here from their documented
formulas, see ../shared/research/rightsizing.md §1.3, §2, §7); (2) query load on a real
Prometheus, podfit's query plan side by side with KRR's query pattern replayed.

    .venv/bin/python bench/bench_recommend.py eval  [--workloads 48] [--seed 7]
    .venv/bin/python bench/bench_recommend.py scale [--workloads 200] [--days 14]

Writes bench/results/recommend.json (merged per part), recommend.md and recommend-pareto.png.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness.recommend_synth import MI, PodTrace, Spec, simulate  # noqa: E402
from podfit.recommend.model import (  # noqa: E402
    History,
    Hpa,
    Resources,
    WorkloadKey,
    newest_rollout,
    percentile,
)
from podfit.recommend.model import recommend as podfit_recommend  # noqa: E402
from podfit.recommend.settings import RecommendSettings, parse_span  # noqa: E402

RESULTS = ROOT / "bench" / "results"
DAY = 86400.0
STEP = 60.0          # the trace resolution (ground truth), one minute
PROM_STEP = 300.0    # what podfit's range queries return: 5-minute rates and maxima
TRAIN, HOLDOUT = 14 * DAY, 7 * DAY


# ---------------------------------------------------------------- workloads (seeded mix)

def workloads(n: int, seed: int) -> list[Spec]:
    import random

    rng = random.Random(seed)
    kinds = ("daily", "weekly", "bursty", "startup", "leak", "deploy", "hpa", "worker-oom")
    specs = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        base = rng.uniform(0.05, 0.8)
        workers = rng.choice((2, 3, 4, 5))
        per_worker = rng.uniform(40, 120) * MI
        mem = 120 * MI + workers * per_worker
        common: dict[str, Any] = {
            "name": f"{kind}-{i}", "replicas": rng.choice((1, 2, 3)), "cpu_base": base,
            "cpu_daily": rng.uniform(0.2, 0.6), "cpu_noise": rng.uniform(0.05, 0.25),
            "workers": workers, "per_worker": per_worker, "mem_base": 120 * MI,
            "cpu_request": base * rng.uniform(1.5, 4), "mem_request": mem * 1.8,
            "mem_limit": mem * 1.8, "runtime_metrics": rng.random() < 0.5}
        if kind == "weekly":
            common["cpu_weekly"] = 0.4
        if kind == "bursty":
            common.update(burst_prob=0.02, burst_cores=base * 3, cpu_limit=base * 2.5)
        if kind == "startup":
            common.update(startup_cpu=1.0, startup_mem=mem * 0.6, deploy_at=0.3)
        if kind == "leak":
            common["leak_per_hour"] = mem * 0.002
        if kind == "deploy":
            common.update(deploy_at=0.5, deploy_factor=1.25)
        if kind == "hpa":
            common.update(hpa_target=70, total_rps=rng.uniform(20, 200), replicas=6,
                          cpu_per_request=0.01, latency=0.05, runtime_metrics=True)
        if kind == "worker-oom":
            common.update(worker_oom_at=0.4, runtime_metrics=True, mem_limit=mem * 1.02,
                          mem_request=mem * 1.02)
        specs.append(Spec(**common))
    return specs


def profile_workloads(path: Path, per_app: int, seed: int) -> list[Spec]:
    """Workloads whose per-request CPU and memory come from a ``podfit profile`` run
    (bench/results/profile.json): CPU per request is the median of the measured grid's
    ``cpu / rps``, memory is a least-squares ``base + workers × per-worker`` over the grid.
    Only the load over time (daily cycle, noise, request rate) is drawn."""
    import random
    import re
    import statistics

    rng = random.Random(seed)
    specs = []
    for app in json.loads(path.read_text(encoding="utf-8"))["results"]:
        grid = [g for g in app.get("grid", []) if g.get("status") == "ok" and g.get("rps")
                and g.get("cpu") and g.get("memory_mib")]
        if len(grid) < 3:
            continue
        cost = statistics.median(g["cpu"] / g["rps"] for g in grid)
        ws = [int(re.match(r"(\d+)w", g["config"])[1]) for g in grid]  # type: ignore[index]
        mems = [g["memory_mib"] * MI for g in grid]
        mean_w, mean_m = statistics.fmean(ws), statistics.fmean(mems)
        var = sum((w - mean_w) ** 2 for w in ws) or 1.0
        per_worker = max(8 * MI, sum((w - mean_w) * (m - mean_m) for w, m in
                                     zip(ws, mems, strict=True)) / var)
        base = max(16 * MI, mean_m - per_worker * mean_w)
        chosen = app.get("recommended", {}).get("config", "2w")
        found = re.match(r"(\d+)w", chosen)
        workers = int(found[1]) if found else 2
        for i in range(per_app):
            rps = rng.uniform(0.2, 0.8) * workers / max(cost, 1e-4)  # a share of capacity
            mem = base + workers * per_worker
            specs.append(Spec(
                name=f"profile_{app['app']}-{i}", replicas=rng.choice((1, 2, 3)),
                cpu_base=rps * cost, cpu_daily=rng.uniform(0.2, 0.6),
                cpu_noise=rng.uniform(0.05, 0.25), cpu_per_request=cost, workers=workers,
                per_worker=per_worker, mem_base=base, cpu_request=rps * cost * 2,
                mem_request=mem * 1.8, mem_limit=mem * 1.8, runtime_metrics=True))
    return specs


# ---------------------------------------------------------------- the baselines

def krr_simple(train: list[PodTrace]) -> dict[str, float | None]:
    """request = max over pods of each pod's p95 CPU; memory request = limit = max × 1.15."""
    cpu = max(percentile(p.cpu_used, 95) for p in train)
    mem = max(max(p.mem) for p in train) * 1.15
    return {"cpu_request": max(cpu, 0.01), "cpu_limit": None,
            "memory_request": max(mem, 100 * MI), "memory_limit": max(mem, 100 * MI)}


def krr_simple_limit(train: list[PodTrace]) -> dict[str, float | None]:
    pooled = [v for p in train for v in p.cpu_used]
    out = krr_simple(train)
    out["cpu_request"] = max(percentile(pooled, 66), 0.01)
    out["cpu_limit"] = max(percentile(pooled, 96), 0.01)
    return out


class DecayingHistogram:
    """VPA's exponential-bucket histogram with a 24 h half-life (util/histogram*.go)."""

    def __init__(self, first: float, ratio: float = 1.05, top: float = 1e12) -> None:
        self.first, self.ratio = first, ratio
        self.n = int(math.log(top * (ratio - 1) / first + 1, ratio)) + 1
        self.weights = [0.0] * self.n
        self.ref = 0.0

    def start(self, n: int) -> float:
        return self.first * (self.ratio ** n - 1) / (self.ratio - 1)

    def add(self, value: float, weight: float, t: float) -> None:
        b = int(math.log(max(value, 0.0) * (self.ratio - 1) / self.first + 1, self.ratio))
        self.weights[min(b, self.n - 1)] += weight * 2 ** ((t - self.ref) / DAY)

    def percentile(self, p: float) -> float:
        total = sum(self.weights)
        acc = 0.0
        for i, w in enumerate(self.weights):
            acc += w
            if acc >= p * total and total > 0:
                return self.start(i + 1)  # the end of the bucket
        return 0.0


def vpa_state(train: list[PodTrace], current: Spec, t0: float
              ) -> tuple[DecayingHistogram, DecayingHistogram]:
    cpu = DecayingHistogram(0.01, top=1000)
    mem = DecayingHistogram(1e7, top=1e12)
    cpu.ref = mem.ref = t0
    for pod in train:
        peaks: dict[int, float] = {}
        for t, c, seen, oom in zip(pod.steps, pod.cpu_used, pod.mem, pod.oom_events,
                                   strict=True):
            cpu.add(c, 0.1, t)
            day = int((t - t0) // DAY)
            m = seen
            if oom:  # RecordOOM: max(used + 100 MiB, used × 1.2) as an artificial peak
                used = max(current.mem_request, seen, current.mem_limit or 0.0)
                m = max(used + 100 * MI, used * 1.2)
            peaks[day] = max(peaks.get(day, 0.0), m)
        for day, peak in peaks.items():
            mem.add(peak, 1.0, t0 + day * DAY)
    return cpu, mem


def vpa(train: list[PodTrace], current: Spec, t0: float, p: float = 0.9,
        margin: float = 1.15) -> dict[str, float | None]:
    cpu_h, mem_h = vpa_state(train, current, t0)
    cpu = max(cpu_h.percentile(p) * margin, 0.025)
    mem = max(mem_h.percentile(p) * margin, 250 * MI)
    # controlledValues RequestsAndLimits: limits keep their ratio to the request
    cpu_lim = cpu * current.cpu_limit / current.cpu_request if current.cpu_limit else None
    mem_lim = mem * current.mem_limit / current.mem_request if current.mem_limit else None
    return {"cpu_request": cpu, "cpu_limit": cpu_lim, "memory_request": mem,
            "memory_limit": mem_lim}


def podfit(train: list[PodTrace], spec: Spec, settings: RecommendSettings
           ) -> dict[str, float | None]:
    """podfit's model on what its queries return: 5-minute CPU rates, 5-minute memory maxima."""
    cpu: list[tuple[float, float]] = []
    thr: list[float] = []
    mem: list[tuple[float, float]] = []
    startup = 0.0
    busy_cpu = busy = 0.0
    k = int(PROM_STEP // STEP)
    everyone = train
    rollout = newest_rollout({p.name: p.steps[0] for p in train}, max(p.steps[-1] for p in train),
                             parse_span(settings.min_history))
    if rollout is not None:
        train = [p for p in train if p.name in rollout[0]]
    for pod in train:
        for i in range(0, len(pod.steps) - k + 1, k):
            window = slice(i, i + k)
            ts = pod.steps[i + k - 1]
            cpu.append((ts, sum(pod.cpu_used[window]) / k))
            thr.append(sum(pod.throttled[window]) / k)
            mem.append((ts, max(pod.mem[window])))
            busy_cpu += sum(pod.cpu_used[window])
            busy += sum(pod.busy[window])
        if pod.start > everyone[0].start:
            startup = max([startup] + [m for t, m in zip(pod.steps, pod.mem, strict=True)
                                       if t - pod.start <= 600])
    ooms = sum(sum(p.oom_events) for p in everyone)
    worker_ooms = sum(p.worker_ooms for p in everyone)
    rt = spec.runtime_metrics
    history = History(
        WorkloadKey("bench", "Deployment", spec.name, "app"), PROM_STEP,
        tuple(p.name for p in train), tuple(cpu), tuple(thr), tuple(mem), startup or None,
        oom_events=ooms, oom_kills=ooms - worker_ooms,
        workers=spec.workers if rt else None,
        per_worker=spec.per_worker * 1.04 if rt else None,
        slots=float(spec.workers * spec.threads) if rt else None,
        worker_restarts={"oom": worker_ooms} if rt and worker_ooms else {},
        cpu_per_busy_slot=busy_cpu / busy if rt and busy else None,
        hpa=Hpa(spec.name, "cpu", spec.hpa_target) if spec.hpa_target else None)
    current = Resources(spec.cpu_request, spec.cpu_limit, spec.mem_request, spec.mem_limit)
    rec = podfit_recommend(history, current, settings)
    out = {name: getattr(rec, name).value for name in
           ("cpu_request", "cpu_limit", "memory_request", "memory_limit")}
    if out["cpu_request"] is None:  # "?": a user keeps the current value
        out["cpu_request"] = spec.cpu_request
    return out


# ---------------------------------------------------------------- counterfactual replay

def cut(pods: list[PodTrace], start: float, end: float) -> list[PodTrace]:
    out = []
    for pod in pods:
        keep = [i for i, t in enumerate(pod.steps) if start <= t < end]
        if not keep:
            continue
        a, b = keep[0], keep[-1] + 1
        part = PodTrace(pod.name, max(pod.start, start), step=pod.step)
        for name in ("steps", "cpu_demand", "cpu_used", "throttled", "mem", "oom_events",
                     "busy", "rps"):
            setattr(part, name, getattr(pod, name)[a:b])
        part.worker_ooms = sum(part.oom_events) if pod.worker_ooms and part.oom_events else 0
        part.worker_ooms = min(part.worker_ooms, pod.worker_ooms)
        out.append(part)
    return out


def holdout_spec(spec: Spec, rec: dict[str, float | None]) -> Spec:
    """The workload after the recommendation is applied (a rollout at the cut point)."""
    factor = spec.deploy_factor if spec.deploy_at is not None else 1.0
    return replace(spec, deploy_at=None, worker_oom_at=None, cpu_base=spec.cpu_base * factor,
                   per_worker=spec.per_worker * factor,
                   cpu_request=rec["cpu_request"] or spec.cpu_request,
                   cpu_limit=rec["cpu_limit"],
                   mem_request=rec["memory_request"] or spec.mem_request,
                   mem_limit=rec["memory_limit"])


def score(spec: Spec, rec: dict[str, float | None], seed: int) -> dict[str, float]:
    pods = simulate(holdout_spec(spec, rec), TRAIN, TRAIN + HOLDOUT, STEP, seed + 1)
    hours = STEP / 3600
    cpu_req = rec["cpu_request"] or spec.cpu_request
    mem_req = rec["memory_request"] or spec.mem_request
    out = {"cpu_slack": 0.0, "mem_slack": 0.0, "ooms": 0.0, "days": 0.0, "throttled": 0.0,
           "steps": 0.0, "cpu_deficit": 0.0, "mem_over_request": 0.0}
    for pod in pods:
        n = len(pod.steps)
        out["cpu_slack"] += sum(max(0.0, cpu_req - u) for u in pod.cpu_used) * hours
        out["mem_slack"] += sum(max(0.0, mem_req - m) for m in pod.mem) * hours / 2**30
        out["ooms"] += sum(pod.oom_events)
        out["days"] += n * STEP / DAY
        out["throttled"] += sum(pod.throttled)
        out["cpu_deficit"] += sum(1 for d in pod.cpu_demand if d > cpu_req)
        out["mem_over_request"] += sum(1 for m in pod.mem if m > mem_req)
        out["steps"] += n
    return out


def tools(settings: RecommendSettings, knob: float | None = None) -> dict[str, Any]:
    """Each tool as ``(train pods, spec) -> recommendation``; ``knob`` sweeps its main
    setting (percentile and margin) for the Pareto plot."""
    def krr(train: list[PodTrace], spec: Spec) -> dict[str, float | None]:
        if knob is None:
            rec = krr_simple(train)
        else:
            cpu = max(percentile(p.cpu_used, knob) for p in train)
            mem = max(max(p.mem) for p in train) * (1 + (knob - 80) / 100)
            rec = {"cpu_request": cpu, "cpu_limit": None, "memory_request": mem,
                   "memory_limit": mem}
        if spec.hpa_target:  # "?" (HPA detected): the user keeps the current request
            rec["cpu_request"] = spec.cpu_request
        return rec

    def krr_limit(train: list[PodTrace], spec: Spec) -> dict[str, float | None]:
        rec = krr_simple_limit(train)
        if spec.hpa_target:
            rec["cpu_request"], rec["cpu_limit"] = spec.cpu_request, spec.cpu_limit
        return rec

    def vpa_tool(train: list[PodTrace], spec: Spec) -> dict[str, float | None]:
        if knob is None:
            return vpa(train, spec, 0.0)
        return vpa(train, spec, 0.0, p=knob / 100, margin=1 + (knob - 80) / 100)

    def ours(train: list[PodTrace], spec: Spec) -> dict[str, float | None]:
        s = settings if knob is None else replace(
            settings, cpu_percentile=knob, memory_request_percentile=min(100.0, knob + 5))
        return podfit(train, spec, s)

    return {"krr_simple": krr, "krr_simple_limit": krr_limit, "vpa": vpa_tool, "podfit": ours}


def oracle(specs: list[Spec], seed: int, above: float) -> dict[str, float]:
    """The least CPU slack any static request can have on the non-HPA workloads at a given
    fraction of minutes above the request: each workload's request is the quantile of its own
    *holdout* demand (it knows the future), so no recommender trained on the past can do
    better at the same exceedance. Comparing a tool with it says how much room is left."""
    slack = over = steps = 0.0
    for spec in specs:
        if spec.hpa_target:
            continue
        keep = {"cpu_request": spec.cpu_request, "cpu_limit": None, "memory_request": None,
                "memory_limit": None}  # no memory limit: every step of true demand exists
        pods = simulate(holdout_spec(spec, keep), TRAIN, TRAIN + HOLDOUT, STEP, seed + 1)
        demand = [d for pod in pods for d in pod.cpu_demand]
        request = percentile(demand, max(0.1, 100 * (1 - above)))
        slack += sum(max(0.0, request - d) for d in demand) * STEP / 3600
        over += sum(1 for d in demand if d > request)
        steps += len(demand)
    return {"cpu_slack_core_hours": round(slack, 1),
            "cpu_above_request_fraction": round(over / max(steps, 1.0), 4)}


def evaluate(n: int, seed: int, sweep: bool, specs: list[Spec] | None = None
             ) -> dict[str, Any]:
    settings = RecommendSettings()
    specs = specs or workloads(n, seed)
    n = len(specs)
    started = time.monotonic()
    trains, shifted = [], []
    for spec in specs:
        observed = simulate(spec, 0.0, TRAIN + DAY, STEP, seed)
        trains.append(cut(observed, 0.0, TRAIN))
        shifted.append(cut(observed, DAY, TRAIN + DAY))
    rows: dict[str, Any] = {}
    bound: dict[str, Any] = {}
    for name, tool in tools(settings).items():
        total: dict[str, float] = {}
        plain: dict[str, float] = {}  # the non-HPA workloads alone, for the oracle bound
        churn = []
        for spec, train, later in zip(specs, trains, shifted, strict=True):
            rec = tool(train, spec)
            again = tool(later, spec)
            for key in ("cpu_request", "memory_request"):
                a, b = rec[key], again[key]
                if a and b:
                    churn.append(abs(b - a) / a)
            scored = score(spec, rec, seed)
            scored["oom_workloads"] = float(scored["ooms"] > 0)
            for key, value in scored.items():
                total[key] = total.get(key, 0.0) + value
                if not spec.hpa_target:
                    plain[key] = plain.get(key, 0.0) + value
        rows[name] = summarise(total, churn)
        mine = summarise(plain, [])
        best = oracle(specs, seed, mine["cpu_above_request_fraction"])
        bound[name] = {"cpu_slack_core_hours": mine["cpu_slack_core_hours"],
                       "cpu_above_request_fraction": mine["cpu_above_request_fraction"],
                       "oracle_cpu_slack_core_hours": best["cpu_slack_core_hours"],
                       "most_slack_any_static_request_could_save": round(
                           1 - best["cpu_slack_core_hours"]
                           / max(mine["cpu_slack_core_hours"], 1e-9), 3)}
    pareto: dict[str, list[dict[str, float]]] = {}
    if sweep:
        for knob in (80.0, 90.0, 95.0, 99.0):
            for name, tool in tools(settings, knob).items():
                if name == "krr_simple_limit":
                    continue
                total = {}
                for spec, train in zip(specs, trains, strict=True):
                    for key, value in score(spec, tool(train, spec), seed).items():
                        total[key] = total.get(key, 0.0) + value
                pareto.setdefault(name, []).append({"knob": knob, **summarise(total, [])})
    return {"workloads": n, "seed": seed, "train_days": TRAIN / DAY,
            "holdout_days": HOLDOUT / DAY, "kinds": sorted({s.name.split("-")[0] for s in specs}),
            "seconds": round(time.monotonic() - started, 1), "tools": rows, "pareto": pareto,
            "oracle_bound_non_hpa": bound}


def summarise(total: dict[str, float], churn: list[float]) -> dict[str, float]:
    steps = max(total["steps"], 1.0)
    return {"cpu_slack_core_hours": round(total["cpu_slack"], 1),
            "memory_slack_gib_hours": round(total["mem_slack"], 1),
            "oom_kills_per_1000_container_days": round(1000 * total["ooms"] / total["days"], 2),
            "throttled_fraction": round(total["throttled"] / steps, 4),
            "cpu_above_request_fraction": round(total["cpu_deficit"] / steps, 4),
            "memory_above_request_fraction": round(total["mem_over_request"] / steps, 4),
            "churn_mean_relative_change": round(sum(churn) / len(churn), 4) if churn else 0.0,
            "workloads_with_oom": int(total.get("oom_workloads", 0))}


# ---------------------------------------------------------------- query load (real Prometheus)

def _write_tsdb_source(path: Path, n: int, days: float, scrape: float, end: float, *,
                       replicas: int, shard: tuple[int, int] = (0, 1)) -> int:
    """``n`` Deployments of ``replicas`` pods in 10 namespaces: cAdvisor CPU and memory every
    ``scrape`` seconds, kube-state-metrics owners and requests every 30 minutes."""
    import random

    rng = random.Random(f"5:{shard[0]}")
    start = end - days * DAY
    stamps = [start + i * scrape for i in range(int(days * DAY / scrape))]
    meta = stamps[:: max(1, int(1800 // scrape))]
    pods = [(f"ns{i % 10}", f"w{i}", f"w{i}-{i:010x}", f"w{i}-{i:010x}-{r:05d}")
            for i in range(n) if i % shard[1] == shard[0] for r in range(replicas)]
    samples = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("# TYPE container_cpu_usage_seconds counter\n")
        for ns, _w, _rs, pod in pods:
            lab = f'{{namespace="{ns}",pod="{pod}",container="app",job="kubelet"}}'
            base, total = rng.uniform(0.05, 1.0), 0.0
            for t in stamps:
                total += base * (1 + 0.5 * math.sin(2 * math.pi * t / DAY)) * scrape
                out.write(f"container_cpu_usage_seconds_total{lab} {total:.3f} {t:.0f}\n")
            samples += len(stamps)
        out.write("# TYPE container_memory_working_set_bytes gauge\n")
        for ns, _w, _rs, pod in pods:
            lab = f'{{namespace="{ns}",pod="{pod}",container="app",job="kubelet"}}'
            mem = rng.uniform(100, 900) * MI
            for t in stamps:
                out.write(f"container_memory_working_set_bytes{lab} "
                          f"{mem * (1 + 0.02 * math.sin(t / 977)):.0f} {t:.0f}\n")
            samples += len(stamps)
        for family, labels in (
                ("kube_pod_owner", lambda ns, w, rs, pod: f'namespace="{ns}",pod="{pod}",'
                 f'owner_kind="ReplicaSet",owner_name="{rs}"'),
                ("kube_replicaset_owner", lambda ns, w, rs, pod: f'namespace="{ns}",'
                 f'replicaset="{rs}",owner_kind="Deployment",owner_name="{w}"'),
                ("kube_pod_container_resource_requests", lambda ns, w, rs, pod:
                 f'namespace="{ns}",pod="{pod}",container="app",resource="cpu"')):
            out.write(f"# TYPE {family} gauge\n")
            seen = set()
            for ns, w, rs, pod in pods:
                text = labels(ns, w, rs, pod)
                if text in seen:  # one ReplicaSet series for all its pods
                    continue
                seen.add(text)
                out.writelines(f"{family}{{{text}}} 1 {t:.0f}\n" for t in meta)
                samples += len(meta)
        out.write("# EOF\n")
    return samples


def _hwm_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _krr_pattern(url: str, n: int, days: float, end: float) -> Any:
    """KRR's query pattern (rightsizing.md §1.4, §7) replayed: per workload, owner walk over
    the window, then per-pod 14-day subqueries at a 75 s step, 10 workers in parallel."""
    from concurrent.futures import ThreadPoolExecutor

    from podfit.recommend.sources import Prometheus

    prom = Prometheus(url, timeout=600)
    window = f"{int(days * DAY)}s"

    def one(i: int) -> None:
        ns, w = f"ns{i % 10}", f"w{i}"
        owners = prom.query(f'kube_replicaset_owner{{namespace="{ns}", owner_kind="Deployment",'
                            f' owner_name="{w}"}}[{window}]', end)
        sets = "|".join(sorted({s.labels.get("replicaset", "") for s in owners}))
        pods = prom.query(f'last_over_time(kube_pod_owner{{namespace="{ns}", owner_name=~"{sets}",'
                          f' owner_kind="ReplicaSet"}}[{window}])', end)
        names = "|".join(sorted(s.labels["pod"] for s in pods))
        sel = f'namespace="{ns}", pod=~"{names}", container="app"'
        for expr in (
                f"quantile_over_time(0.95, max(rate(container_cpu_usage_seconds_total{{{sel}}}"
                f"[75s])) by (container, pod, job)[{window}:75s])",
                f"max_over_time(max(container_memory_working_set_bytes{{{sel}}}) by "
                f"(container, pod, job)[{window}:75s])",
                f"count_over_time(max(container_cpu_usage_seconds_total{{{sel}}}) by "
                f"(container, pod, job)[{window}:75s])",
                f"count_over_time(max(container_memory_working_set_bytes{{{sel}}}) by "
                f"(container, pod, job)[{window}:75s])"):
            prom.query(expr, end)

    with ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(one, range(n)))
    return prom.stats


def _backfill_shard(job: tuple[Path, int, float, float, float, int, tuple[int, int]]) -> int:
    import subprocess

    work, n, days, scrape, end, replicas, shard = job
    source = work / f"history-{shard[0]}.om"
    samples = _write_tsdb_source(source, n, days, scrape, end, replicas=replicas, shard=shard)
    subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics",
                    "--max-block-duration=24h", str(source), str(work / "data")],
                   check=True, capture_output=True)
    source.unlink()
    return samples


def scale(n: int, days: float, scrape: float, replicas: int = 1, parallel: int = 1
          ) -> dict[str, Any]:
    import shutil
    import subprocess
    import tempfile

    from harness.net import free_port
    from podfit.recommend.engine import run

    end = (time.time() // 3600) * 3600 - 3600
    work = Path(tempfile.mkdtemp(prefix="podfit-bench-recommend-"))
    try:
        # ``parallel`` shards of whole workloads, each generated and backfilled by its own
        # process: their blocks overlap in time but hold disjoint series (Prometheus ≥ 2.39
        # always accepts overlapping blocks)
        from concurrent.futures import ProcessPoolExecutor

        started = time.monotonic()
        with ProcessPoolExecutor(max_workers=parallel) as shards:
            samples = sum(shards.map(_backfill_shard, [
                (work, n, days, scrape, end, replicas, (k, parallel))
                for k in range(parallel)]))
        backfill = time.monotonic() - started
        (work / "p.yml").write_text("global: {}\n", encoding="utf-8")
        version = subprocess.run(["prometheus", "--version"], capture_output=True, check=True,
                                 text=True).stdout.split("\n")[0]
        patterns: dict[str, Any] = {}
        # podfit_lean: one chunk in flight, 6-hour chunks: what Prometheus holds at once
        variants = {"podfit": {}, "podfit_lean": {"concurrency": 1, "chunk": "6h"}}
        for name in (*variants, "krr"):  # a fresh process each: VmHWM is per process
            port = free_port()
            proc = subprocess.Popen(
                ["prometheus", f"--config.file={work / 'p.yml'}",
                 f"--storage.tsdb.path={work / 'data'}", "--storage.tsdb.retention.time=90d",
                 "--query.timeout=10m", f"--web.listen-address=127.0.0.1:{port}"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                url = f"http://127.0.0.1:{port}"
                _wait_ready(url)
                idle = _hwm_mib(proc.pid)
                started = time.monotonic()
                if name in variants:
                    settings = RecommendSettings(history=f"{int(days * 24)}h", timeout=600,
                                                 **variants[name])  # type: ignore[arg-type]
                    stats = run(url, [], settings=settings, end=end).stats
                else:
                    stats = _krr_pattern(url, n, days, end)
                wall = time.monotonic() - started
                patterns[name] = {"queries": stats.queries, "bytes": stats.bytes,
                                  "wall_seconds": round(wall, 1),
                                  "peak_rss_mib": _hwm_mib(proc.pid), "idle_rss_mib": idle}
            finally:
                proc.terminate()
                proc.wait(30)
        ours, krr = patterns["podfit"], patterns["krr"]
        lean = patterns["podfit_lean"]
        return {"workloads": n, "pods_per_workload": replicas, "days": days,
                "scrape_seconds": scrape, "samples": samples, "backfill_processes": parallel,
                "backfill_seconds": round(backfill, 1), "prometheus": version,
                "patterns": patterns,
                "rss_ratio": round(ours["peak_rss_mib"] / krr["peak_rss_mib"], 3),
                "rss_ratio_lean": round(lean["peak_rss_mib"] / krr["peak_rss_mib"], 3),
                "wall_ratio": round(ours["wall_seconds"] / max(krr["wall_seconds"], 1e-9), 3)}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _wait_ready(url: str) -> None:
    import urllib.request

    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/-/ready", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("prometheus did not become ready")


# ---------------------------------------------------------------- output

def reductions(rows: dict[str, Any]) -> dict[str, Any]:
    ours = rows["podfit"]
    out = {}
    for name in ("krr_simple", "krr_simple_limit", "vpa"):
        other = rows[name]
        out[name] = {
            "cpu_slack_less": round(1 - ours["cpu_slack_core_hours"]
                                    / max(other["cpu_slack_core_hours"], 1e-9), 3),
            "memory_slack_less": round(1 - ours["memory_slack_gib_hours"]
                                       / max(other["memory_slack_gib_hours"], 1e-9), 3),
            "no_more_ooms": ours["oom_kills_per_1000_container_days"]
            <= other["oom_kills_per_1000_container_days"],
            "no_more_throttling": ours["throttled_fraction"] <= other["throttled_fraction"]}
    return out


def pareto_png(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (cpu_ax, mem_ax) = plt.subplots(1, 2, figsize=(11, 4))
    colours = {"podfit": "#2a2", "krr_simple": "#c33", "vpa": "#36c", "krr_simple_limit": "#c90"}
    for name, points in result["pareto"].items():
        cpu_ax.plot([p["cpu_above_request_fraction"] for p in points],
                    [p["cpu_slack_core_hours"] for p in points], "o-", color=colours[name],
                    label=name)
        mem_ax.plot([p["oom_kills_per_1000_container_days"] for p in points],
                    [p["memory_slack_gib_hours"] for p in points], "o-", color=colours[name],
                    label=name)
    for name, row in result["tools"].items():
        cpu_ax.plot(row["cpu_above_request_fraction"], row["cpu_slack_core_hours"], "*",
                    markersize=14, color=colours[name])
        mem_ax.plot(row["oom_kills_per_1000_container_days"], row["memory_slack_gib_hours"],
                    "*", markersize=14, color=colours[name])
    cpu_ax.set_xlabel("fraction of minutes CPU demand > request")
    cpu_ax.set_ylabel("CPU slack (core-hours, 7-day holdout)")
    mem_ax.set_xscale("symlog", linthresh=10)
    mem_ax.set_xlabel("OOM kills per 1,000 container-days (symlog)")
    mem_ax.set_ylabel("memory slack (GiB-hours, 7-day holdout)")
    cpu_ax.legend(fontsize=8)
    fig.suptitle("Pareto: knob sweeps (lines, percentile 80/90/95/99), defaults (stars)")
    fig.savefig(path, dpi=90, bbox_inches="tight")
    plt.close(fig)


def write_md(data: dict[str, Any]) -> None:
    lines = ["# podfit recommend: benchmark", "",
             "Measured on a shared 2-core machine loaded by other engineers' runs: wall times "
             "vary with that load, and Prometheus' peak RSS with its GC timing.", ""]
    ev = data.get("eval")
    if ev:
        lines += [f"Counterfactual replay: {ev['workloads']} seeded synthetic workloads "
                  f"(seed {ev['seed']}; {', '.join(ev['kinds'])}), trained on "
                  f"{ev['train_days']:g} days, scored on the next {ev['holdout_days']:g} "
                  "days of true demand after the recommendation is applied.", "",
                  "| tool | CPU slack core-h | memory slack GiB-h | OOM kills /1000 "
                  "container-days | workloads with an OOM | throttled fraction | "
                  "CPU > request | memory > request | churn |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for name, r in ev["tools"].items():
            lines.append(
                f"| {name} | {r['cpu_slack_core_hours']} | {r['memory_slack_gib_hours']} | "
                f"{r['oom_kills_per_1000_container_days']} | {r.get('workloads_with_oom', '-')} | "
                f"{r['throttled_fraction']} | "
                f"{r['cpu_above_request_fraction']} | {r['memory_above_request_fraction']} | "
                f"{r['churn_mean_relative_change']} |")
        lines += ["", "podfit against each (slack reduction; target ≥ 25 % at no more OOMs "
                  "and no more throttling):", ""]
        for name, r in ev["reductions"].items():
            lines.append(f"- vs {name}: CPU slack {r['cpu_slack_less']:+.0%} less, memory "
                         f"slack {r['memory_slack_less']:+.0%} less, no more OOMs: "
                         f"{r['no_more_ooms']}, no more throttling: {r['no_more_throttling']}")
        if ev.get("oracle_bound_non_hpa"):
            lines += ["", "CPU on the non-HPA workloads against an oracle that sets each "
                      "workload's request to the quantile of its own holdout demand, at the "
                      "same fraction of minutes above the request (no static request can do "
                      "better):", "",
                      "| tool | CPU slack core-h | CPU > request | oracle slack at that "
                      "fraction | most any static request could save |", "|---|---|---|---|---|"]
            for name, r in ev["oracle_bound_non_hpa"].items():
                lines.append(f"| {name} | {r['cpu_slack_core_hours']} | "
                             f"{r['cpu_above_request_fraction']} | "
                             f"{r['oracle_cpu_slack_core_hours']} | "
                             f"{r['most_slack_any_static_request_could_save']:.1%} |")
        lines += ["", "![Pareto](recommend-pareto.png)", ""]
    seeds = [data[k] for k in sorted(data) if k.startswith("eval")]

    def label(ev_: dict[str, Any]) -> str:
        return f" ({ev_['workloads']} from profile)" if ev_.get("from_profile") else ""

    if len(seeds) > 1:
        lines += ["Every seed run (same 48-workload mix, other random draws): podfit's slack "
                  "reduction against each baseline, and how much of a baseline's non-HPA CPU "
                  "slack any static request could save at the baseline's own fraction of "
                  "minutes above the request.", "",
                  "| seed | CPU less vs KRR | CPU less vs VPA | memory less vs KRR | memory less "
                  "vs VPA | CPU > request podfit / KRR / VPA | OOM kills podfit / VPA | "
                  "oracle room KRR / VPA / podfit |", "|---|---|---|---|---|---|---|---|"]
        for ev_ in seeds:
            red, t = ev_["reductions"], ev_["tools"]
            room = ev_.get("oracle_bound_non_hpa", {})
            rooms = " / ".join(f"{room[k]['most_slack_any_static_request_could_save']:.0%}"
                               for k in ("krr_simple", "vpa", "podfit") if k in room)
            lines.append(
                f"| {ev_['seed']}{label(ev_)} | {red['krr_simple']['cpu_slack_less']:.0%} | "
                f"{red['vpa']['cpu_slack_less']:.0%} | "
                f"{red['krr_simple']['memory_slack_less']:.0%} | "
                f"{red['vpa']['memory_slack_less']:.0%} | "
                + " / ".join(f"{t[k]['cpu_above_request_fraction']:.1%}"
                             for k in ("podfit", "krr_simple", "vpa"))
                + f" | {t['podfit']['oom_kills_per_1000_container_days']:g} / "
                f"{t['vpa']['oom_kills_per_1000_container_days']:g} | {rooms} |")
        lines.append("")
    def how(sc: dict[str, Any]) -> str:
        if "backfill_processes" not in sc:
            return "promtool backfill alone"
        return f"generated and backfilled by {sc['backfill_processes']} process(es) in"

    for key in sorted(k for k in data if k.startswith("scale")):
        sc = data[key]
        lines += [f"Query load on one real Prometheus ({sc['prometheus'].split(' (')[0]}): "
                  f"{sc['workloads']} workloads × {sc.get('pods_per_workload', 1)} pod(s) × "
                  f"{sc['days']:g} days, scraped every {sc['scrape_seconds']:g} s "
                  f"({sc['samples']:,} samples; {how(sc)} {sc['backfill_seconds']} s).",
                  "", "| pattern | queries | bytes returned | Prometheus peak RSS MiB | wall s |",
                  "|---|---|---|---|---|"]
        for name, r in sc["patterns"].items():
            lines.append(f"| {name} | {r['queries']} | {r['bytes']:,} | {r['peak_rss_mib']} | "
                         f"{r['wall_seconds']} |")
        pats = sc["patterns"]
        above = {k: p["peak_rss_mib"] - p["idle_rss_mib"] for k, p in pats.items()}
        lines += ["", f"Peak RSS ratio podfit/KRR: {sc['rss_ratio']} (target ≤ 0.2); above the "
                  f"idle process: {above['podfit'] / max(above['krr'], 1e-9):.2f}; wall ratio: "
                  f"{sc['wall_ratio']} (target ≤ 1)."]
        if "podfit_lean" in pats:
            krr_wall = max(pats["krr"]["wall_seconds"], 1e-9)
            lines.append(f"podfit_lean (concurrency 1, 6-hour chunks): peak RSS ratio "
                         f"{sc['rss_ratio_lean']}; above idle "
                         f"{above['podfit_lean'] / max(above['krr'], 1e-9):.2f}; wall ratio "
                         f"{pats['podfit_lean']['wall_seconds'] / krr_wall:.2f}.")
        lines.append("")
    (RESULTS / "recommend.md").write_text("\n".join(lines), encoding="utf-8")


def save(part: str, value: dict[str, Any]) -> dict[str, Any]:
    path = RESULTS / "recommend.json"
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    data[part] = value
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    write_md(data)
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="part", required=True)
    ev = sub.add_parser("eval")
    ev.add_argument("--workloads", type=int, default=48)
    ev.add_argument("--seed", type=int, default=7)
    ev.add_argument("--no-sweep", action="store_true")
    ev.add_argument("--from-profile", type=Path, default=None,
                    help="workloads from a podfit profile JSON (bench/results/profile.json)")
    ev.add_argument("--name", default="eval", help="key in recommend.json (other seeds: "
                    "eval-seed11 …, summarised in one table)")
    sc = sub.add_parser("scale")
    sc.add_argument("--workloads", type=int, default=200)
    sc.add_argument("--days", type=float, default=14)
    sc.add_argument("--scrape", type=float, default=60)
    sc.add_argument("--replicas", type=int, default=1)
    sc.add_argument("--name", default="scale", help="key in recommend.json")
    sc.add_argument("--parallel", type=int, default=1,
                    help="generate and backfill in this many processes (shards of workloads)")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    if args.part == "eval":
        specs = (profile_workloads(args.from_profile, 6, args.seed) if args.from_profile
                 else None)
        result = evaluate(args.workloads, args.seed, not args.no_sweep, specs)
        if args.from_profile:
            result["from_profile"] = str(args.from_profile)
        result["reductions"] = reductions(result["tools"])
        if result["pareto"] and args.name == "eval":
            pareto_png(result, RESULTS / "recommend-pareto.png")
        save(args.name, result)
    else:
        save(args.name, scale(args.workloads, args.days, args.scrape, args.replicas,
                              args.parallel))
    print((RESULTS / "recommend.md").read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
