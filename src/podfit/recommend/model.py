"""From one container's history to requests, limits and a worker count, each with a reason.

Python-aware: CPU usage under a CFS limit under-reports demand, so throttled steps are
corrected; memory is ``base + workers × per-worker`` and a worker OOM-killed inside a running
container counts as an OOM; an HPA-managed workload is sized per pod from the CPU one busy
request slot costs, so the request never shrinks in a loop with the HPA. Too little history
gives ``None`` ("?") and says why.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from podfit.recommend.settings import RecommendSettings, parse_span

MI = 2**20


@dataclass(frozen=True)
class WorkloadKey:
    namespace: str
    kind: str
    name: str
    container: str

    def __str__(self) -> str:
        return f"{self.namespace}/{self.kind}/{self.name}:{self.container}"


@dataclass(frozen=True)
class Resources:
    """Requests and limits (cores, bytes); ``None`` = unset or unknown."""

    cpu_request: float | None = None
    cpu_limit: float | None = None
    memory_request: float | None = None
    memory_limit: float | None = None


@dataclass(frozen=True)
class Hpa:
    name: str
    metric: str            # "cpu", "memory" or another metric name
    target: float | None   # utilization percent for cpu/memory


@dataclass(frozen=True)
class History:
    """Stepped samples of every pod of one workload container, pooled."""

    key: WorkloadKey
    step: float
    pods: tuple[str, ...]
    cpu: tuple[tuple[float, float], ...]         # (ts, cores), per pod-step
    throttled: tuple[float, ...] = ()            # throttled-period ratio aligned with cpu
    memory: tuple[tuple[float, float], ...] = ()  # (ts, peak working set per step)
    startup_memory: float | None = None          # peak in the first minutes of a pod
    oom_events: int = 0                          # cAdvisor: every kernel OOM kill
    oom_kills: int = 0                           # KSM: containers terminated as OOMKilled
    workers: int | None = None                   # podfit.runtime
    per_worker: float | None = None
    slots: float | None = None
    worker_restarts: dict[str, int] = field(default_factory=dict)
    cpu_per_busy_slot: float | None = None
    hpa: Hpa | None = None
    notes: tuple[str, ...] = ()

    @property
    def span(self) -> float:
        stamps = [ts for ts, _ in self.cpu] + [ts for ts, _ in self.memory]
        return max(stamps) - min(stamps) + self.step if stamps else 0.0


@dataclass(frozen=True)
class Figure:
    """One recommended value (``None`` = "?"), why, and how sure."""

    value: float | None
    reason: str
    confidence: str  # high | medium | low | none


@dataclass(frozen=True)
class Recommendation:
    key: WorkloadKey
    current: Resources
    cpu_request: Figure
    cpu_limit: Figure
    memory_request: Figure
    memory_limit: Figure
    workers: Figure | None
    history_hours: float
    samples: int
    pods: int
    notes: tuple[str, ...] = ()

    @property
    def changes(self) -> dict[str, float | None]:
        """Fields whose recommendation differs from the current value by 10% or more."""
        out: dict[str, float | None] = {}
        pairs = (("cpu_request", self.cpu_request, self.current.cpu_request),
                 ("memory_request", self.memory_request, self.current.memory_request),
                 ("memory_limit", self.memory_limit, self.current.memory_limit),
                 ("cpu_limit", self.cpu_limit, self.current.cpu_limit))
        for name, figure, now in pairs:
            if figure.value is None:
                if name == "cpu_limit" and now is not None and figure.confidence != "none":
                    out[name] = None  # remove a CPU limit
                continue
            if now is None or abs(figure.value - now) >= 0.1 * now:
                out[name] = figure.value
        return out


_DEPLOYMENT_POD = re.compile(r"^(?P<rs>.+-[0-9a-f]{5,10})-[0-9a-z]{5}$")


def newest_rollout(first_seen: dict[str, float], end: float,
                   min_history: float) -> tuple[set[str], str] | None:
    """The pods of the newest ReplicaSet (its name is the pod's minus the last part), when
    an older one exists and the newest has ``min_history`` of its own: a rollout is new code,
    so older samples would describe another program. ``None`` keeps every pod."""
    generations: dict[str, list[str]] = {}
    for pod in first_seen:
        match = _DEPLOYMENT_POD.match(pod)
        if match is None:
            return None
        generations.setdefault(match["rs"], []).append(pod)
    if len(generations) < 2:
        return None
    born = {rs: min(first_seen[p] for p in pods) for rs, pods in generations.items()}
    newest = max(born, key=lambda rs: born[rs])
    if end - born[newest] < min_history:
        return None
    note = (f"rollout of {newest} {(end - born[newest]) / 3600:.0f} h ago: usage of "
            f"{len(generations) - 1} older ReplicaSet(s) ignored")
    return set(generations[newest]), note


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (no interpolation: a value that was really seen)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def _confidence(hours: float, samples: int, settings: RecommendSettings) -> str:
    need = parse_span(settings.min_history) / 3600
    if hours >= 7 * 24 and samples >= 10 * settings.min_samples:
        return "high"
    if hours >= 2 * need:
        return "medium"
    return "low"


def _unknown(reason: str) -> Figure:
    return Figure(None, reason, "none")


def _gate(history: History, settings: RecommendSettings) -> str | None:
    hours = history.span / 3600
    need = parse_span(settings.min_history) / 3600
    if hours < need:
        return f"only {hours:.1f} h of history (need {settings.min_history})"
    if not history.cpu and history.memory:
        return (f"no CPU rate over {settings.step} steps while memory has samples: is the "
                "scrape interval longer than half the step? raise 'step'")
    if len(history.cpu) < settings.min_samples:
        return f"only {len(history.cpu)} samples (need {settings.min_samples})"
    return None


def _cpu(history: History, current: Resources, settings: RecommendSettings,
         conf: str) -> tuple[Figure, Figure]:
    usage = [v for _, v in history.cpu]
    throttled = list(history.throttled) or [0.0] * len(usage)
    # A throttled period ran out of quota: count it as wanting twice the quota it got,
    # a lower bound that lifts a starved container's request instead of cementing it.
    demand = [u * (1 + r) for u, r in zip(usage, throttled, strict=False)]
    share = sum(1 for r in throttled if r > 0.05) / max(1, len(throttled))
    hpa = history.hpa
    no_limit = Figure(None, "no CPU limit: a limit throttles Python workers (each a "
                      "single thread under the GIL) on every burst", conf)
    if hpa is not None and hpa.metric == "cpu" and hpa.target:
        if history.cpu_per_busy_slot is None or not history.slots:
            return (_unknown(f"HPA {hpa.name} scales on CPU; sizing it needs busy request slots "
                             "(podfit.runtime or http_server_request_duration_seconds)"),
                    no_limit)
        capacity = history.cpu_per_busy_slot * history.slots
        value = max(settings.cpu_min, capacity)
        return (Figure(value, f"HPA {hpa.name} at {hpa.target:g}% CPU: request = CPU of "
                       f"{history.slots:g} busy slots ({history.cpu_per_busy_slot:.3f} cores "
                       "each), so the HPA scales out at its target share of the pod's "
                       "capacity; independent of the current request (no shrink loop)", conf),
                no_limit)
    value = percentile(demand, settings.cpu_percentile)
    reason = f"p{settings.cpu_percentile:g} of {len(usage)} stepped samples"
    if share:
        reason += f", corrected for throttling in {share:.0%} of steps"
    if history.workers:
        cap = float(history.workers * max(1, round((history.slots or history.workers)
                                                   / history.workers)))
        if value > cap:
            value, reason = cap, reason + f"; capped at {cap:g} cores ({history.workers} " \
                                          "workers, one core each under the GIL)"
    if value < settings.cpu_min:
        value, reason = settings.cpu_min, reason + f"; raised to the {settings.cpu_min:g} floor"
    return Figure(value, reason, conf), no_limit


def _trend(memory: tuple[tuple[float, float], ...]) -> float:
    """Least-squares growth of memory in bytes per second (0 when flat or falling)."""
    if len(memory) < 10:
        return 0.0
    n = len(memory)
    mean_t = sum(t for t, _ in memory) / n
    mean_v = sum(v for _, v in memory) / n
    var = sum((t - mean_t) ** 2 for t, _ in memory)
    if var == 0:
        return 0.0
    slope = sum((t - mean_t) * (v - mean_v) for t, v in memory) / var
    return max(0.0, slope)


def _memory(history: History, current: Resources, settings: RecommendSettings,
            conf: str) -> tuple[Figure, Figure, Figure | None, list[str]]:
    notes: list[str] = []
    values = [v for _, v in history.memory]
    if not values:
        unknown = _unknown("no container_memory_working_set_bytes samples")
        return unknown, unknown, None, notes
    peak = max(values)
    limit_base, why = peak, f"peak working set {peak / MI:.0f}Mi"
    if history.startup_memory and history.startup_memory >= peak * 0.999:
        why = f"start-up peak {history.startup_memory / MI:.0f}Mi (the highest point)"
    growth = _trend(history.memory)
    horizon = parse_span(settings.leak_horizon)
    # A leak counts only when it would add more than the margin over the horizon.
    if growth * horizon > settings.memory_limit_margin * peak:
        limit_base += growth * horizon
        why += f" + growth {growth * 3600 / MI:.1f}Mi/h over {settings.leak_horizon}"
        notes.append(f"memory grows {growth * 3600 / MI:.1f}Mi/h: a leak? "
                     "(max_requests recycling bounds it)")
    worker_ooms = history.worker_restarts.get("oom", 0)
    container_ooms = history.oom_kills
    if history.oom_events or worker_ooms:
        killed_at = max(peak, current.memory_limit or 0.0)
        bump = max(history.per_worker or 0.0, 0.2 * killed_at, 100 * MI)
        if killed_at + bump > limit_base:
            limit_base = killed_at + bump
            what = (f"{worker_ooms or history.oom_events} worker OOM kill(s) inside a running "
                    "container" if container_ooms == 0 else f"{container_ooms} OOMKilled")
            why = f"{what} at {killed_at / MI:.0f}Mi: limit + max(one worker, 20%, 100Mi)"
    limit = max(settings.memory_min, limit_base * (1 + settings.memory_limit_margin))
    steady = percentile(values, settings.memory_request_percentile)
    request = min(limit, max(settings.memory_min, steady * (1 + settings.memory_request_margin)))
    limit_fig = Figure(limit, f"{why}, +{settings.memory_limit_margin:.0%}", conf)
    request_fig = Figure(request, f"p{settings.memory_request_percentile:g} of per-step peaks "
                         f"{steady / MI:.0f}Mi, +{settings.memory_request_margin:.0%}", conf)
    workers = None
    if history.workers and history.per_worker:
        base = max(0.0, peak - history.workers * history.per_worker)
        fit = int((limit - base) // history.per_worker)
        workers = Figure(float(max(1, fit)), f"{fit} workers of {history.per_worker / MI:.0f}Mi "
                         f"fit beside {base / MI:.0f}Mi base in the limit "
                         f"(now {history.workers})", conf)
    return request_fig, limit_fig, workers, notes


def recommend(history: History, current: Resources,
              settings: RecommendSettings | None = None) -> Recommendation:
    """The recommendation for one workload container."""
    settings = settings or RecommendSettings()
    hours = history.span / 3600
    samples = len(history.cpu)
    gate = _gate(history, settings)
    if gate:
        unknown = _unknown(gate)
        return Recommendation(history.key, current, unknown, unknown, unknown, unknown, None,
                              hours, samples, len(history.pods))
    conf = _confidence(hours, samples, settings)
    cpu_req, cpu_lim = _cpu(history, current, settings, conf)
    mem_req, mem_lim, workers, notes = _memory(history, current, settings, conf)
    if history.hpa is not None and history.hpa.metric == "memory":
        notes.append(f"HPA {history.hpa.name} scales on memory: a Python worker's memory "
                     "does not fall with load, so that HPA rarely scales in")
    return Recommendation(history.key, current, cpu_req, cpu_lim, mem_req, mem_lim, workers,
                          hours, samples, len(history.pods), (*history.notes, *notes))
