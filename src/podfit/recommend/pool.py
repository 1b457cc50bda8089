"""Pools the per-pod answers of one namespace into one :class:`History` per workload
container (samples of all pods together, start-up peaks, OOMs, podfit.runtime figures)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from podfit.recommend.model import History, Hpa, Resources, WorkloadKey, newest_rollout
from podfit.recommend.sources import Series

STARTUP = 600.0  # seconds after a pod's first sample that count as its start-up
PodKey = tuple[str, str]


@dataclass(frozen=True)
class Tables:
    """One namespace's answers, indexed by (pod, container)."""

    cpu: dict[PodKey, Series]
    mem: dict[PodKey, Series]
    thr: dict[PodKey, dict[float, float]]
    ooms: dict[PodKey, float]
    kills: dict[PodKey, float]
    requests: dict[tuple[str, str, str], float]
    limits: dict[tuple[str, str, str], float]
    stats: dict[str, dict[str, float]]
    busy: dict[str, dict[float, float]]


def pool(key: WorkloadKey, pods: list[str], t: Tables, hpa: Hpa | None, *, start: float,
         step: float, min_history: float = 0.0) -> tuple[History, Resources]:
    """Pool the stepped samples of ``pods`` into one history; current settings of the
    newest pod. After a rollout with enough history, only the new ReplicaSet's usage counts
    (OOMs of every pod still do)."""
    cpu, mem, thr, busy, stats = t.cpu, t.mem, t.thr, t.busy, t.stats
    requests, limits, ooms, kills = t.requests, t.limits, t.ooms, t.kills
    c = key.container
    all_pods = pods
    notes: tuple[str, ...] = ()
    first_seen = {p: s.points[0][0] for p in pods if (s := mem.get((p, c)) or cpu.get((p, c)))}
    end = max((s.points[-1][0] for p in pods if (s := mem.get((p, c)))), default=start)
    rollout = newest_rollout(first_seen, end, min_history) if key.kind == "Deployment" else None
    if rollout is not None:
        pods, notes = sorted(rollout[0]), (rollout[1],)
    points: list[tuple[float, float]] = []
    throttled: list[float] = []
    memory: list[tuple[float, float]] = []
    startup = 0.0
    cpu_busy = slots_busy = 0.0
    newest, newest_start = pods[0], -1.0
    for pod in pods:
        series = cpu.get((pod, c))
        ratios = thr.get((pod, c), {})
        pod_busy = busy.get(pod, {})
        for ts, v in series.points if series else ():
            points.append((ts, v))
            throttled.append(min(1.0, ratios.get(ts, 0.0)))
            b = pod_busy.get(ts)
            if b is not None and b > 0.05:
                cpu_busy, slots_busy = cpu_busy + v, slots_busy + b
        mseries = mem.get((pod, c))
        if mseries:
            memory.extend(mseries.points)
            first = mseries.points[0][0]
            if first > start + 2 * step:  # the pod started inside the window
                startup = max([startup] + [v for ts, v in mseries.points
                                           if ts - first <= STARTUP])
            if first > newest_start:
                newest, newest_start = pod, first

    def res(table: dict[tuple[str, str, str], float], resource: str) -> float | None:
        return table.get((newest, c, resource))

    current = Resources(res(requests, "cpu"), res(limits, "cpu"), res(requests, "memory"),
                        res(limits, "memory"))
    run = [stats[p] for p in pods if p in stats]
    workers = max((r.get("workers", 0) for r in run), default=0)
    per_worker = max((r.get("per_worker", 0) for r in run), default=0)
    slots = max((r.get("slots", 0) for r in run), default=0)
    restarts: dict[str, int] = defaultdict(int)
    for r in run:
        for name, value in r.items():
            if name.startswith("restarts_"):
                restarts[name[len("restarts_"):]] += round(value)
    history = History(
        key=key, step=step, pods=tuple(pods), cpu=tuple(points),
        throttled=tuple(throttled), memory=tuple(memory), startup_memory=startup or None,
        oom_events=round(sum(ooms.get((p, c), 0.0) for p in all_pods)),
        oom_kills=round(sum(kills.get((p, c), 0.0) for p in all_pods)),
        workers=int(workers) or None, per_worker=per_worker or None, slots=slots or None,
        worker_restarts=dict(restarts),
        cpu_per_busy_slot=cpu_busy / slots_busy if slots_busy else None, hpa=hpa,
        notes=notes)
    return history, current
