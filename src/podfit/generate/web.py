"""The web workload: podfit's own server (gunicorn/uvicorn on podfit.runtime) or a serving
command it did not write (uwsgi, daphne, hypercorn, gRPC or HTTP scripts), with probes and
the shutdown budget."""

from __future__ import annotations

import math
from typing import Any

from podfit.core.policy import CpuLimitPolicy, max_workers_for_cpu
from podfit.core.shutdown import ShutdownBudget
from podfit.core.units import format_cpu, parse_cpu
from podfit.generate.budget import GRACEFUL_SECONDS, PRESTOP_SECONDS
from podfit.generate.process import Process
from podfit.generate.profile_input import Recommendation
from podfit.generate.sizing import decide_hpa, decide_resources
from podfit.generate.workload import Probe, Workload
from podfit.runtime.policy import DEFAULT_REQUEST_THREADS


def web_workload(name: str, server: str, *, app_ref: str | None,
                  script: tuple[str, ...] | None, port: int, policy: CpuLimitPolicy,
                  prof: Recommendation | None, decide: Any) -> Workload:
    req_cpu, req_mem, lim_cpu, lim_mem = decide_resources("500m", "256Mi", policy=policy, prof=prof,
                                                decide=decide, role="web")
    pod_cpu = parse_cpu(lim_cpu or req_cpu)
    graceful = GRACEFUL_SECONDS
    budget = ShutdownBudget(prestop=PRESTOP_SECONDS, drain=0, graceful=graceful)
    grace = budget.grace_period
    decide("web.shutdown", f"preStop sleep {PRESTOP_SECONDS}s, graceful timeout {graceful}s, "
           f"terminationGracePeriodSeconds {grace}s",
           "the preStop sleep lets endpoint removal reach kube-proxy and ingresses before "
           f"SIGTERM; in-flight requests then get {graceful}s; {budget.margin}s margin "
           "before SIGKILL")
    env: list[tuple[str, str]] = [
        ("PODFIT_CPU_LIMIT", format_cpu(pod_cpu)),
        ("PODFIT_GRACE_SECONDS", str(budget.runtime_grace)),
        ("PODFIT_DRAIN_SECONDS", "0"),
    ]
    decide("web.drain", "PODFIT_DRAIN_SECONDS=0, PODFIT_GRACE_SECONDS="
           f"{budget.runtime_grace}", "the preStop sleep already covers endpoint "
           "propagation, so the server stops accepting at SIGTERM; the grace left after the "
           "preStop gives podfit.runtime the same graceful timeout as above")
    decide("web.env", "PODFIT_CPU_LIMIT=" + format_cpu(pod_cpu),
           "without a CPU limit the cgroup shows no quota: podfit.runtime sizes workers from "
           "this instead of the node's CPUs")
    if prof is not None:
        workers = min(prof.workers, max_workers_for_cpu(pod_cpu))
        env += [("WEB_CONCURRENCY", str(workers)), ("PODFIT_THREADS", str(prof.threads))]
        decide("web.workers", f"{workers} x {prof.threads} threads",
               prof.reasons.get("workers", "measured by podfit profile"))
        if prof.max_requests:
            jitter = prof.max_requests_jitter or 0
            env += [("PODFIT_MAX_REQUESTS", str(prof.max_requests)),
                    ("PODFIT_MAX_REQUESTS_JITTER", str(jitter))]
            decide("web.max_requests", f"{prof.max_requests} (jitter {jitter})",
                   prof.reasons.get("max_requests", "podfit profile's soak saw memory grow "
                                    "with requests: workers are recycled before it matters"))
    else:
        decide("web.workers", "from podfit.runtime at start",
               "floor(pod CPUs), at least 1, capped by memory, each serving requests from "
               "gthread x 8 threads (podfit.runtime's default until podfit profile measures "
               "the app): computed in the pod so a resize or a new limit needs no new image")
    command: tuple[str, ...]
    if server == "gunicorn":
        command = ("gunicorn", "--config", "gunicorn.conf.py", str(app_ref))
    elif server == "uvicorn":
        ref = str(app_ref)
        # podfit.runtime's runner: uvicorn with the drain, probes and metrics wrapped around
        # the app, and timeout_graceful_shutdown from PODFIT_GRACE_SECONDS.
        command = ("python", "-m", "podfit.runtime.uvicorn", ref, "--port", str(port))
    else:
        command = script or ("python", "main.py")
    probes = {
        "startup": Probe("/startupz", 2, 2, 30),
        "readiness": Probe("/readyz", 5, 2, 2),
        "liveness": Probe("/livez", 10, 3, 3),
    }
    decide("web.probes", "startup /startupz (60s budget), readiness /readyz every 5s, liveness "
           "/livez every 10s (timeout 3s)",
           "liveness never checks dependencies (a database outage must not restart every pod); "
           "readiness does and turns 503 on SIGTERM; startup covers slow imports")
    hpa = decide_hpa(prof, decide, "web")
    return Workload("web", name, command, port, req_cpu, req_mem, lim_cpu, lim_mem, *hpa,
                    PRESTOP_SECONDS, graceful, grace, tuple(env), probes)



def command_workload(name: str, process: Process, policy: CpuLimitPolicy,
                     prof: Recommendation | None, decide: Any) -> Workload:
    """A serving process podfit did not write (uwsgi, daphne, a gRPC or HTTP script): its own
    command, a Service, probes on its port (gRPC health or TCP), the same shutdown budget."""
    req_cpu, req_mem, lim_cpu, lim_mem = decide_resources("500m", "256Mi", policy=policy, prof=prof,
                                                    decide=decide, role="web")
    graceful = GRACEFUL_SECONDS
    grace = ShutdownBudget(prestop=PRESTOP_SECONDS, drain=0, graceful=graceful).grace_period
    decide("web.shutdown", f"preStop sleep {PRESTOP_SECONDS}s, terminationGracePeriodSeconds "
           f"{grace}s", "the preStop sleep lets endpoint removal propagate before SIGTERM; "
           "the process then has the rest of the grace period to finish in-flight work")
    kind = process.probe
    probes = {
        "startup": Probe("", 2, 2, 30, kind),
        "readiness": Probe("", 5, 2, 2, kind),
        "liveness": Probe("", 10, 3, 3, kind),
    }
    decide("web.probes", f"{kind} probes on port {process.port}", {
        "grpc": "the server registers grpc.health.v1: Kubernetes' native gRPC probes ask it",
        "tcp": "no health endpoint podfit can rely on (podfit.runtime is not in this server): "
               "a TCP connect shows the server accepts; add an HTTP health route to do better",
    }.get(kind, ""))
    pod_cpu = parse_cpu(lim_cpu or req_cpu)
    env: tuple[tuple[str, str], ...] = (("PODFIT_CPU_LIMIT", format_cpu(pod_cpu)),
                                        ("PORT", str(process.port)))
    if process.server == "uwsgi" and process.app_ref:
        env += uwsgi_env(pod_cpu, prof, decide)
    hpa = decide_hpa(prof, decide, "web")
    return Workload("web", name, tuple(process.command or ()), process.port, req_cpu, req_mem,
                    lim_cpu, lim_mem, *hpa, PRESTOP_SECONDS, graceful, grace, env, probes,
                    protocol=process.protocol)



def uwsgi_env(pod_cpu: float, prof: Recommendation | None,
               decide: Any) -> tuple[tuple[str, str], ...]:
    """uwsgi's processes and threads by podfit.runtime's policy (it cannot run inside uwsgi):
    floor(pod CPUs) processes, at least 1, x 8 threads, or what podfit profile measured."""
    if prof is not None:
        processes = min(prof.workers, max_workers_for_cpu(pod_cpu))
        threads = prof.threads
        why = prof.reasons.get("workers", "measured by podfit profile")
    else:
        processes, threads = max(1, math.floor(pod_cpu)), DEFAULT_REQUEST_THREADS
        why = ("podfit.runtime's policy for the pod's CPU (floor(CPUs), at least 1, x "
               f"{DEFAULT_REQUEST_THREADS} threads) written at init time: uwsgi runs no "
               "podfit.runtime; re-run init after a resize, or set the variables")
    decide("web.workers", f"UWSGI_PROCESSES={processes}, UWSGI_THREADS={threads}", why)
    return (("UWSGI_PROCESSES", str(processes)), ("UWSGI_THREADS", str(threads)))

