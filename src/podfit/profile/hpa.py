"""Simulate the HorizontalPodAutoscaler on a synthetic ramp to pick a CPU target that keeps
every pod under its measured capacity while load climbs.

The controller model follows ``replica_calculator.go`` and ``horizontal.go``: a 15 s sync
period, a 0.1 tolerance around the ratio, ``ceil(ratio × ready pods)``, scale-up limited to
``max(2 × current, current + 4)`` per period, scale-down taking the highest recommendation of
the stabilization window; new pods count only once ready.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

SYNC_S = 15
TOLERANCE = 0.1
STEP_S = 5


@dataclass(frozen=True)
class PodModel:
    """One pod as measured: capacity at the SLO and CPU as a linear function of its rate."""

    capacity_rps: float
    cpu_idle: float
    cpu_per_rps: float
    request_cores: float
    ready_delay_s: float


@dataclass(frozen=True)
class Simulation:
    target: int
    violation_ratio: float  # share of time steps where some pod ran above capacity
    peak_replicas: int
    replicas: tuple[int, ...]


def ramp(peak_rps: float, ramp_s: float = 300.0) -> list[float]:
    """Load per 5 s step: 10 % of peak for 2 min, linear climb to peak over ``ramp_s``, 5 min
    at peak, then back down over 5 min and 5 min at the floor (exercises scale-down)."""
    floor = 0.1 * peak_rps
    steps: list[float] = [floor] * (120 // STEP_S)
    n = max(1, int(ramp_s // STEP_S))
    steps += [floor + (peak_rps - floor) * (i + 1) / n for i in range(n)]
    steps += [peak_rps] * (300 // STEP_S)
    steps += [peak_rps - (peak_rps - floor) * (i + 1) / (300 // STEP_S)
              for i in range(300 // STEP_S)]
    steps += [floor] * (300 // STEP_S)
    return steps


def simulate(pod: PodModel, target: int, *, min_replicas: int, max_replicas: int,
             load: list[float], down_window_s: int = 300) -> Simulation:
    """Run the controller against ``load``; pods start ready with ``min_replicas``."""
    ready_at: list[float] = [0.0] * min_replicas  # time each pod becomes ready
    history: list[tuple[float, int]] = []
    violations = 0
    trace = []
    for step, rps in enumerate(load):
        now = step * STEP_S
        ready = max(1, sum(1 for t in ready_at if t <= now))
        per_pod = rps / ready
        if per_pod > pod.capacity_rps:
            violations += 1
        if step % (SYNC_S // STEP_S) == 0:
            usage = pod.cpu_idle + pod.cpu_per_rps * per_pod
            ratio = usage / pod.request_cores * 100 / target
            current = len(ready_at)
            desired = current if abs(ratio - 1) <= TOLERANCE else math.ceil(ratio * ready)
            history.append((now, desired))
            history = [(t, d) for t, d in history if now - t <= down_window_s]
            if desired < current:
                desired = min(current, max(d for _, d in history))
            desired = min(desired, max(2 * current, current + 4))
            desired = max(min_replicas, min(max_replicas, desired))
            if desired > current:
                ready_at += [now + pod.ready_delay_s] * (desired - current)
            elif desired < current:
                ready_at = sorted(ready_at)[:desired]
        trace.append(len(ready_at))
    return Simulation(target, violations / len(load), max(trace), tuple(trace))


def rps_at_utilization(pod: PodModel, target: int) -> float:
    """Per-pod rate at which the HPA sees ``target`` percent of the request."""
    return max(0.0, (target / 100 * pod.request_cores - pod.cpu_idle) / pod.cpu_per_rps)


def choose(pod: PodModel, peak_rps: float, min_replicas: int = 2,
           max_violation: float = 0.01) -> tuple[Simulation, int]:
    """Highest target (90 → 30 in steps of 5) whose simulated ramp stays within capacity for
    all but ``max_violation`` of the time; returns the simulation and maxReplicas."""
    last: tuple[Simulation, int] | None = None
    for target in range(90, 25, -5):
        per_pod = min(pod.capacity_rps, rps_at_utilization(pod, target)) or pod.capacity_rps
        max_replicas = max(min_replicas, math.ceil(peak_rps / per_pod))
        result = simulate(pod, target, min_replicas=min_replicas, max_replicas=max_replicas,
                          load=ramp(peak_rps))
        last = (result, max_replicas)
        if result.violation_ratio <= max_violation:
            return last
    assert last is not None
    return last
