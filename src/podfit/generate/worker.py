"""Workloads without a Service: the Celery worker and plain processes (scripts, Procfile
workers)."""

from __future__ import annotations

import math
from typing import Any

from podfit.core.policy import CpuLimitPolicy
from podfit.core.units import format_cpu, parse_cpu
from podfit.generate.sizing import decide_hpa, decide_resources
from podfit.generate.workload import Workload


def worker_workload(name: str, ref: str, policy: CpuLimitPolicy, time_limit: int,
                     decide: Any) -> Workload:
    req_cpu, req_mem, lim_cpu, lim_mem = decide_resources("1", "512Mi", policy=policy, prof=None,
                                                decide=decide, role="worker")
    pod_cpu = parse_cpu(lim_cpu or req_cpu)
    concurrency = max(1, math.floor(pod_cpu))
    decide("worker.concurrency", concurrency, "prefork processes = floor(pod CPUs): Celery's "
           "default is the node's CPU count")
    grace = time_limit + 10
    decide("worker.shutdown", f"task time limit {time_limit}s, grace period {grace}s",
           "SIGTERM starts Celery's warm shutdown, which waits for running tasks; the grace "
           "period covers the longest task (--time-limit) plus a margin")
    command = ("celery", "--app", ref, "worker", "--loglevel", "INFO", "--concurrency",
               str(concurrency), "--time-limit", str(time_limit), "--soft-time-limit",
               str(max(1, time_limit - 10)), "--without-gossip", "--without-mingle")
    env = (("PODFIT_CPU_LIMIT", format_cpu(pod_cpu)),)
    hpa = decide_hpa(None, decide, "worker")
    return Workload("worker", name, command, None, req_cpu, req_mem, lim_cpu, lim_mem, *hpa,
                    0, time_limit, grace, env, {})



def script_workload(name: str, script: tuple[str, ...], policy: CpuLimitPolicy,
                     decide: Any) -> Workload:
    """A plain process (script or Procfile entry): no Service, no HTTP probes."""
    req_cpu, req_mem, lim_cpu, lim_mem = decide_resources("250m", "256Mi", policy=policy, prof=None,
                                                    decide=decide, role="process")
    grace = 30
    decide("process.shutdown", f"grace period {grace}s", "the Kubernetes default: a plain "
           "process gets SIGTERM and 30 s to exit; no Service, so no preStop delay is needed")
    hpa = decide_hpa(None, decide, "process")
    env = (("PODFIT_CPU_LIMIT", format_cpu(parse_cpu(lim_cpu or req_cpu))),)
    return Workload("worker", name, tuple(script), None, req_cpu, req_mem, lim_cpu, lim_mem,
                    *hpa, 0, grace - 5, grace, env, {})

