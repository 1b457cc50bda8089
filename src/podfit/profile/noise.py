"""How busy the host is while profiling: other processes' CPU (from ``/proc/stat`` minus the
sandbox's own cgroup and the load generator), steal time, and run-to-run variation."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

#: A leader whose interval is wider than this (relative half-width) cannot resolve the 5 %
#: the choice is made on.
MAX_HALF_WIDTH = 0.05


@dataclass(frozen=True)
class HostCpu:
    """Cumulative CPU seconds of the whole host (all cores)."""

    busy_s: float
    steal_s: float
    total_s: float


def read_host_cpu(text: str | None = None) -> HostCpu:
    """The ``cpu`` line of ``/proc/stat`` (user nice system idle iowait irq softirq steal…)."""
    if text is None:
        try:
            text = Path("/proc/stat").read_text()
        except OSError:
            return HostCpu(0.0, 0.0, 0.0)
    line = next((ln for ln in text.splitlines() if ln.startswith("cpu ")), "cpu 0 0 0 0")
    ticks = [int(v) for v in line.split()[1:]]
    ticks += [0] * (8 - len(ticks))
    hz = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    idle = ticks[3] + ticks[4]  # idle + iowait
    total = sum(ticks[:8])  # guest time is already counted in user
    return HostCpu((total - idle - ticks[7]) / hz, ticks[7] / hz, total / hz)


@dataclass(frozen=True)
class Noise:
    """The host's contention over the race, and whether it hid the answer."""

    other_cpu_cores: float
    """Mean CPU used by processes other than the app and the load generator, in cores."""
    host_cores: int
    steal_ratio: float
    """Share of host CPU time stolen by the hypervisor."""
    variation: float
    """Median coefficient of variation of the candidates' round throughputs."""
    leader_half_width: float
    """The leader's interval half-width as a share of its value."""
    noisy: bool
    verdict: str


def judge(other: list[float], steal: list[float], variations: list[float],
          leader_half_width: float, repeats: int = 2) -> Noise:
    """Too noisy when the leader's interval is wider than the 5 % the choice is made on; the
    verdict names the likely cause."""
    cores = os.cpu_count() or 1
    mean_other = sum(other) / len(other) if other else 0.0
    mean_steal = sum(steal) / len(steal) if steal else 0.0
    varied = sorted(variations)
    variation = varied[len(varied) // 2] if varied else 0.0
    noisy = leader_half_width > MAX_HALF_WIDTH
    causes = []
    if mean_other > 0.25 * cores:
        causes.append(f"other processes used {mean_other:.1f} of {cores} cores")
    if mean_steal > 0.05:
        causes.append(f"{mean_steal:.0%} steal")
    cause = "; ".join(causes) or "no other load seen: the app's own throughput varies"
    if repeats < 2:
        noisy = True
        verdict = ("too few race rounds for an interval (the budget ran out): the choice "
                   "rests on one measurement — raise --budget")
    elif noisy:
        verdict = (f"too noisy to separate candidates within 5 %: the leader's interval is "
                   f"±{leader_half_width:.0%} ({cause}); the choice may be a coin toss — "
                   "re-run on a quieter host or with more --repeats")
    else:
        verdict = (f"quiet enough: the leader's interval is ±{leader_half_width:.1%}, "
                   f"run-to-run variation {variation:.1%}"
                   + (f" ({cause})" if causes else ""))
    return Noise(round(mean_other, 3), cores, round(mean_steal, 4), round(variation, 4),
                 round(leader_half_width, 4), noisy, verdict)
