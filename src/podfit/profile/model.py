"""From measured runs to a recommendation, every figure with its reason."""

from __future__ import annotations

import math
from dataclasses import dataclass

from podfit.core.policy import CpuLimitPolicy, cpu_limit_for
from podfit.core.units import format_cpu, format_memory
from podfit.profile import hpa, memory
from podfit.profile.race import NEAR_BEST as RACE_NEAR_BEST
from podfit.profile.race import ties
from podfit.profile.results import (
    Entry,
    HpaSettings,
    Interval,
    RaceResult,
    Reason,
    Reasons,
    Recommendation,
    RunResult,
)

#: Configurations within this share of the best are "as good"; the smallest of them wins.
NEAR_BEST = 0.95
#: Time from pod creation to the app's first answer, on top of the measured start (scheduling,
#: image already on the node, container start).
SCHEDULING_S = 10.0


@dataclass(frozen=True)
class ModelSettings:
    """How measurements turn into settings."""

    slo_p99_ms: float = 200.0
    """The latency objective the capacity is measured at."""
    memory_margin: float = 0.25
    """Headroom over the predicted memory, as a fraction (KRR uses 15 %, 25 % after OOMs)."""
    cpu_limit_policy: CpuLimitPolicy = CpuLimitPolicy.NONE
    """Same policy as ``podfit check``: none, integer or required."""
    peak_rps: float | None = None
    """Peak request rate the Deployment must serve; sizes maxReplicas."""
    min_replicas: int = 2
    """Floor of the HPA: two pods survive a node drain or a rollout."""
    preload: bool = False
    """gunicorn ``--preload``: workers share the app's pages copy-on-write."""
    previous: tuple[int, int] | None = None
    """workers × threads of an earlier profile (``--previous``): kept unless the race shows
    it is really worse."""


@dataclass(frozen=True)
class MemoryFit:
    base: float
    per_worker: float
    points: int


def fit_memory(runs: list[RunResult]) -> MemoryFit:
    """Least squares of cgroup peak against workers (what the OOM killer counts); with one
    worker count, the base is the peak minus the workers' proportional (PSS) share."""
    points = [(r.workers, float(r.memory_peak)) for r in runs
              if r.status == "ok" and r.memory_peak]
    xs = {x for x, _ in points}
    if len(xs) >= 2:
        n = len(points)
        mx = sum(x for x, _ in points) / n
        my = sum(y for _, y in points) / n
        slope = sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x, _ in points)
        slope = max(slope, 0.0)
        return MemoryFit(max(0.0, my - slope * mx), slope, n)
    worker_pss = [p.pss for r in runs for p in r.processes if p.role == "worker"]
    per_worker = sum(worker_pss) / len(worker_pss) if worker_pss else 0.0
    peak = max((y for _, y in points), default=0.0)
    workers = next(iter(xs), 1)
    return MemoryFit(max(0.0, peak - workers * per_worker), per_worker, len(points))


def predicted_memory(fit: MemoryFit, workers: int, runs: list[RunResult]) -> float:
    """Model value, never below a peak actually measured at that worker count."""
    seen = [r.memory_peak for r in runs if r.status == "ok" and r.workers == workers]
    return max([fit.base + fit.per_worker * workers, *seen])


def _score(run: RunResult, several_cpus: bool) -> float:
    value = run.capacity_rps
    return value / run.cpu_limit if several_cpus and run.cpu_limit else value


def choose(runs: list[RunResult], fit: MemoryFit,
           settings: ModelSettings) -> tuple[RunResult | None, str]:
    """The smallest configuration within ``NEAR_BEST`` of the best capacity at the SLO that
    fits its memory limit with the margin."""
    ok = [r for r in runs if r.status == "ok"]
    fitting = [r for r in ok if r.memory_limit is None or predicted_memory(fit, r.workers, runs)
               * (1 + settings.memory_margin) <= r.memory_limit]
    pool = fitting or ok
    if not pool:
        return None, "no configuration ran cleanly"
    several = len({r.cpu_limit for r in pool}) > 1
    met = [r for r in pool if r.capacity_rps > 0]
    if not met:
        best = max(pool, key=lambda r: r.closed.rps if r.closed else 0.0)
        return best, (f"no configuration met p99 ≤ {settings.slo_p99_ms:g} ms; highest "
                      "throughput chosen")
    top = max(_score(r, several) for r in met)
    near = [r for r in met if _score(r, several) >= NEAR_BEST * top]
    chosen = min(near, key=lambda r: (r.workers * r.threads, r.workers, r.cpu_limit or 0))
    per = "per CPU " if several else ""
    why = (f"{chosen.capacity_rps:.0f} rps at p99 ≤ {settings.slo_p99_ms:g} ms; the smallest "
           f"of {len(near)} configuration(s) within {100 - NEAR_BEST * 100:.0f} % of the best "
           f"{per}capacity ({top:.0f}) among {len(met)} that met the SLO")
    if len(fitting) < len(ok):
        why += f"; {len(ok) - len(fitting)} measured configuration(s) excluded by memory"
    return chosen, why


def _cpu_model(run: RunResult) -> tuple[float, float]:
    """CPU cores = idle + slope × rps, fitted on the open-loop phases and the closed one."""
    pts = [(p.target_rps or p.rps, p.app_cpu_cores) for p in run.open]
    if run.closed:
        pts.append((run.closed.rps, run.closed.app_cpu_cores))
    pts = [(x, y) for x, y in pts if x > 0]
    if len(pts) < 2:
        x, y = pts[0] if pts else (1.0, run.cpu_cores)
        return 0.0, max(y / x, 1e-6)
    n = len(pts)
    mx, my = sum(x for x, _ in pts) / n, sum(y for _, y in pts) / n
    var = sum((x - mx) ** 2 for x, _ in pts)
    slope = sum((x - mx) * (y - my) for x, y in pts) / var if var else my / mx
    slope = max(slope, 1e-6)
    return max(0.0, my - slope * mx), slope


def _same(run: RunResult, entry: Entry) -> bool:
    return (run.workers, run.threads, run.cpu_limit, run.worker_class) == (
        entry.workers, entry.threads, entry.cpu_limit, entry.worker_class)


def choose_raced(runs: list[RunResult], race: RaceResult,
                 settings: ModelSettings) -> tuple[RunResult, Entry, str] | None:
    """The first, in the fixed order of ``race.cost``, of the raced configurations that cannot
    be shown to be more than 5 % below another (decided on intervals, not on one number); an
    earlier choice stays while it ties, so re-profiling gives the same answer unless the
    difference is real."""
    fit = fit_memory(runs)
    pool = [(r, e) for e in race.entries if e.status == "ok" and e.dropped_after is None
            for r in runs if r.status == "ok" and _same(r, e)]
    fitting = [(r, e) for r, e in pool if r.memory_limit is None or max(
        predicted_memory(fit, r.workers, runs), e.startup_peak, e.serving_peak)
        * (1 + settings.memory_margin) <= r.memory_limit]
    excluded = len(pool) - len(fitting)
    pool = fitting or pool
    if not pool:
        return None
    # Within 5 % unless shown otherwise (an upper bound below 95 % of the highest lower
    # bound), so noise makes ties rather than flips; a tie goes to the first in the fixed
    # order (fewest processes, then fewest threads), whatever order the intervals came in.
    tied = ties((e for _, e in pool), RACE_NEAR_BEST)
    leader = max((e for _, e in pool), key=lambda e: (e.interval.low, e.interval.value))
    kept = [e for e in tied if settings.previous == (e.workers, e.threads)]
    entry = kept[0] if kept else tied[0]
    run = next(r for r, e in pool if e is entry)
    iv, top = entry.interval, leader.interval
    why = (f"{iv.value:.0f} rps (interval {iv.low:.0f}–{iv.high:.0f}, {iv.repeats} "
           f"interleaved rounds); ") if iv.repeats else ""
    if len(pool) == 1:
        why += f"the only one of {len(race.entries)} raced configuration(s) left"
    elif len(tied) == 1:
        why += (f"the only one of {len(race.entries)} raced configuration(s) not shown to be "
                f"more than {100 - RACE_NEAR_BEST * 100:.0f} % below another: a measured "
                "difference, not a tie")
    else:
        why += (f"a tie: {len(tied)} configuration(s) ({', '.join(e.label for e in tied)}) not "
                f"shown to be more than {100 - RACE_NEAR_BEST * 100:.0f} % below the "
                f"best-established {leader.label} ({top.value:.0f}, {top.low:.0f}–"
                f"{top.high:.0f}); decided by the fixed order (fewest processes, then fewest "
                "threads), not by the measurements")
    if excluded and fitting:
        why += (f"; {excluded} raced configuration(s) excluded: their memory with the margin "
                "exceeds the limit")
    dropped = [e for e in race.entries if e.dropped_after is not None]
    if dropped:
        why += "; dropped as clearly slower: " + ", ".join(
            f"{e.label} after {e.dropped_after} round(s)" for e in dropped)
    if settings.previous:
        pw, pt = settings.previous
        if kept:
            why += f"; same as the previous profile ({pw}w×{pt}t): no real difference"
        else:
            why += (f"; differs from the previous profile ({pw}w×{pt}t): "
                    + ("its interval lies below the leader's" if any(
                        (e.workers, e.threads) == (pw, pt) for e in race.entries)
                       else "it was not among the candidates"))
    return run, entry, why


def recommend(runs: list[RunResult], settings: ModelSettings, race: RaceResult | None = None,
              stops: tuple[str, ...] = ()) -> Recommendation | None:
    """The recommendation, or ``None`` when no run succeeded."""
    fit = fit_memory(runs)
    raced = choose_raced(runs, race, settings) if race else None
    entry: Entry | None = None
    if raced:
        chosen, entry, why = raced
    else:
        picked, why = choose(runs, fit, settings)
        if picked is None:
            return None
        chosen = picked
    reasons = [Reason("workers", str(chosen.workers), why),
               Reason("threads", str(chosen.threads), _threads_reason(chosen, runs))]
    if stops:
        reasons.append(Reason("search", f"{len(runs)} run(s)", "; ".join(stops)))
    cpu = chosen.cpu_cores_at_capacity or chosen.cpu_cores
    request = max(0.05, math.ceil(cpu * 100) / 100)
    if chosen.cpu_limit:
        request = min(request, chosen.cpu_limit)
    reasons.append(Reason("requests.cpu", format_cpu(request), (
        f"CPU the app used while serving {chosen.capacity_rps:.0f} rps (its capacity at the "
        f"SLO) under a {chosen.cpu_limit or 'no'} CPU limit"
        if chosen.capacity_rps else "CPU used at full load")))
    limit = cpu_limit_for(request, settings.cpu_limit_policy)
    reasons.append(Reason("limits.cpu", format_cpu(limit) if limit is not None else "none",
                          f"CPU limit policy '{settings.cpu_limit_policy.value}' (as in "
                          f"podfit check); throttled {chosen.throttled_ratio:.0%} of CFS "
                          f"periods at full load"))
    predicted = predicted_memory(fit, chosen.workers, runs)
    sizing = memory.size(predicted, chosen.workers, per_worker=fit.per_worker,
                         margin=settings.memory_margin,
                         startup_peak=entry.startup_peak if entry else 0,
                         serving_peak=entry.serving_peak if entry else 0,
                         soak=race.soak if race else None)
    memory_text = format_memory(sizing.limit)
    share = "PSS (copy-on-write pages after --preload split among sharers)" \
        if settings.preload else "PSS"
    reasons.append(Reason("limits.memory", memory_text, (
        f"{fit.base / 2**20:.0f} MiB base + {chosen.workers} × {fit.per_worker / 2**20:.0f} "
        f"MiB per worker (cgroup peak fitted over {fit.points} run(s); per-worker {share}), "
        f"+{settings.memory_margin:.0%} margin")))
    reasons += [Reason(name, _value(name, sizing), text) for name, text in sizing.reasons]
    reasons.append(Reason("requests.memory", memory_text,
                          "equal to the limit: memory cannot be reclaimed from a busy worker, "
                          "so a request below it invites node-pressure OOM kills"))
    cap_limit = chosen.memory_limit
    if cap_limit and fit.per_worker > 0:
        most = int((cap_limit / (1 + settings.memory_margin) - fit.base) // fit.per_worker)
        reasons.append(Reason("workers.memory_cap", str(max(0, most)), (
            f"at most {max(0, most)} worker(s) fit {cap_limit / 2**20:.0f} MiB with the margin")))
    if entry and entry.workers > 1:
        reasons.append(Reason("connections.spread", f"{entry.worker_spread:.2f}", (
            "least-busy worker's share of CPU × workers over the race rounds (1.00 = even); "
            "gunicorn's workers accept keep-alive connections unevenly")))
    if race:
        reasons.append(Reason("noise", "noisy" if race.noise.noisy else "ok",
                              race.noise.verdict))
    hpa_settings, hpa_reasons = _hpa(chosen, request, settings)
    reasons += hpa_reasons
    reasons.append(Reason("capacity_rps_per_pod", f"{chosen.capacity_rps:.0f}",
                          f"highest open-loop rate with p99 ≤ {settings.slo_p99_ms:g} ms and "
                          "no errors"))
    return Recommendation(
        workers=chosen.workers, threads=chosen.threads, worker_class=chosen.worker_class,
        cpu_request=format_cpu(request),
        cpu_limit=format_cpu(limit) if limit is not None else None,
        memory_request=memory_text, memory_limit=memory_text, hpa=hpa_settings,
        capacity_rps_per_pod=chosen.capacity_rps, slo_p99_ms=settings.slo_p99_ms,
        reasons=Reasons(reasons), capacity=entry.interval if entry else _single(chosen),
        max_requests=sizing.max_requests, max_requests_jitter=sizing.jitter)


def _single(run: RunResult) -> Interval:
    """Without a race, one closed-loop measurement: an interval of unknown width."""
    value = run.closed.rps if run.closed else 0.0
    return Interval(value, 0.0, 2 * value, 1)


def _value(name: str, sizing: memory.Sizing) -> str:
    if name == "max_requests":
        return (f"{sizing.max_requests} (jitter {sizing.jitter})" if sizing.max_requests
                else "none")
    return format_memory(memory.FLOOR) if name == "memory.floor" else format_memory(
        sizing.limit)


def _threads_reason(chosen: RunResult, runs: list[RunResult]) -> str:
    tried = sorted({r.threads for r in runs if r.status == "ok"})
    if chosen.worker_class not in ("sync", "gthread"):
        return f"{chosen.worker_class} workers serve many requests per worker without threads"
    if len(tried) <= 1:
        return "threads were not swept for this server"
    at = sorted({r.threads for r in runs if r.workers == chosen.workers})
    return (f"tried {', '.join(map(str, tried))} thread(s) in all; "
            f"{', '.join(map(str, at))} at {chosen.workers} worker(s)")


def _hpa(chosen: RunResult, request: float,
         settings: ModelSettings) -> tuple[HpaSettings, list[Reason]]:
    idle, slope = _cpu_model(chosen)
    capacity = chosen.capacity_rps or (chosen.closed.rps if chosen.closed else 1.0)
    pod = hpa.PodModel(capacity_rps=max(capacity, 1e-3), cpu_idle=idle, cpu_per_rps=slope,
                       request_cores=request,
                       ready_delay_s=(chosen.ready_s or 1.0) + SCHEDULING_S)
    peak = settings.peak_rps or 10 * capacity
    sim, max_replicas = hpa.choose(pod, peak, settings.min_replicas)
    peak_text = (f"--peak-rps {settings.peak_rps:g}" if settings.peak_rps
                 else f"no --peak-rps: sized for 10 × one pod ({peak:.0f} rps)")
    reasons = [
        Reason("hpa.targetCPUUtilizationPercentage", str(sim.target), (
            f"highest target whose simulated HPA (15 s sync, 0.1 tolerance, scale-up ≤ "
            f"max(2×, +4) per period, pods ready after {pod.ready_delay_s:.0f} s) keeps every "
            f"pod under capacity {1 - sim.violation_ratio:.1%} of a 0→peak ramp; one pod "
            f"reaches {sim.target} % at {hpa.rps_at_utilization(pod, sim.target):.0f} rps")),
        Reason("hpa.minReplicas", str(settings.min_replicas),
               "two pods keep serving through a node drain or a rollout"),
        Reason("hpa.maxReplicas", str(max_replicas),
               f"{peak_text}, at the per-pod rate where utilization reaches the target"),
        Reason("hpa.scaleDownStabilizationSeconds", "300",
               "Kubernetes' default window: scale down only after 5 minutes of lower load"),
    ]
    return HpaSettings(settings.min_replicas, max_replicas, sim.target, 300,
                       round(sim.violation_ratio, 4)), reasons
