"""Requests, limits and the HPA of a workload: from ``podfit profile`` or starting points."""

from __future__ import annotations

from typing import Any

from podfit.core.policy import CpuLimitPolicy, cpu_limit_for
from podfit.core.units import format_cpu, parse_cpu
from podfit.generate.profile_input import Recommendation


def decide_resources(cpu: str, memory: str, *, policy: CpuLimitPolicy, prof: Recommendation | None,
               decide: Any, role: str) -> tuple[str, str, str | None, str]:
    if prof is not None:
        decide(f"{role}.requests", f"cpu {prof.cpu_request}, memory {prof.memory_request}",
               prof.reasons.get("requests", f"measured by podfit profile ({prof.source})"))
        lim_cpu = prof.cpu_limit
        if lim_cpu is None and policy is not CpuLimitPolicy.NONE:
            limit = cpu_limit_for(parse_cpu(prof.cpu_request), policy)
            lim_cpu = format_cpu(limit) if limit is not None else None
        decide(f"{role}.limits", f"cpu {lim_cpu or 'none'}, memory {prof.memory_limit}",
               prof.reasons.get("limits", f"measured by podfit profile ({prof.source})"))
        return prof.cpu_request, prof.memory_request, lim_cpu, prof.memory_limit
    limit = cpu_limit_for(parse_cpu(cpu), policy)
    lim_cpu = format_cpu(limit) if limit is not None else None
    decide(f"{role}.requests", f"cpu {cpu}, memory {memory}",
           "a starting point, not a measurement: run `podfit profile` and re-run init with "
           "--from-profile to size it")
    decide(f"{role}.limits", f"cpu {lim_cpu or 'none'}, memory {memory}",
           f"CPU limit policy '{policy.value}' (no CPU limit avoids CFS throttling latency); "
           "memory limit = request so the pod is never OOM-killed for using what it reserved")
    return cpu, memory, lim_cpu, memory



def decide_hpa(prof: Recommendation | None, decide: Any, role: str) -> tuple[int, int, int, int]:
    if prof is not None:
        hpa = prof.hpa
        values = (max(2, hpa.min_replicas), max(hpa.max_replicas, 2), hpa.target_cpu_utilization,
                  hpa.scale_down_stabilization_s)
        decide(f"{role}.hpa", f"{values[0]}-{values[1]} replicas at {values[2]}% CPU",
               prof.reasons.get("hpa", "from podfit profile's capacity model (at least 2 "
                                "replicas so a node drain never takes the app down)"))
        return values
    decide(f"{role}.hpa", "2-10 replicas at 70% CPU, scale-down stabilization 300s",
           "two replicas survive a node drain; 70% leaves room for the ramp before new pods "
           "are ready; a 5-minute scale-down window stops flapping")
    return 2, 10, 70, 300

