"""Seeded synthetic cluster history: true demand per pod, what cAdvisor / kube-state-metrics /
podfit.runtime would have recorded under the current limits, written as OpenMetrics for
``promtool tsdb create-blocks-from openmetrics``. Used by tests/recommend and bench/."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

MI = 2**20


@dataclass(frozen=True)
class Spec:
    """One workload's shape; every figure is per pod unless it says otherwise."""

    name: str
    namespace: str = "shop"
    replicas: int = 2
    cpu_base: float = 0.2          # cores at the daily mean
    cpu_daily: float = 0.5         # relative amplitude of the 24 h cycle
    cpu_weekly: float = 0.0        # relative amplitude of the 7 d cycle
    cpu_noise: float = 0.1         # relative noise
    burst_prob: float = 0.0        # chance per step of a burst
    burst_cores: float = 0.0
    startup_cpu: float = 0.0       # extra cores for the first minutes of a pod
    mem_base: float = 150 * MI     # arbiter + imports
    workers: int = 2
    per_worker: float = 60 * MI
    leak_per_hour: float = 0.0     # bytes per hour, reset when the pod restarts
    startup_mem: float = 0.0       # extra bytes for the first minutes of a pod
    deploy_at: float | None = None  # fraction of the span where demand steps up (new pods)
    deploy_factor: float = 1.0
    cpu_request: float = 0.5
    cpu_limit: float | None = None
    mem_request: float = 512 * MI
    mem_limit: float | None = 512 * MI
    hpa_target: int | None = None  # CPU utilization % when HPA-managed
    total_rps: float = 0.0         # HPA workloads: cluster-wide request rate at the mean
    cpu_per_request: float = 0.01  # core-seconds per request
    latency: float = 0.05          # seconds per request
    runtime_metrics: bool = False
    worker_oom_at: float | None = None  # fraction of the span where a worker is OOM-killed
    history_hours: float | None = None  # shorter history than the whole span
    threads: int = 1
    busy_gauge: bool = True        # podfit_request_slots_busy (else only the latency histogram)


@dataclass
class PodTrace:
    """One pod: start time, and per-step true demand and observed values."""

    name: str
    start: float
    steps: list[float] = field(default_factory=list)
    cpu_demand: list[float] = field(default_factory=list)
    cpu_used: list[float] = field(default_factory=list)
    throttled: list[float] = field(default_factory=list)
    mem: list[float] = field(default_factory=list)
    oom_events: list[int] = field(default_factory=list)
    busy: list[float] = field(default_factory=list)
    rps: list[float] = field(default_factory=list)
    worker_ooms: int = 0
    cpu_request: float = 0.0
    mem_limit: float | None = None
    step: float = 60.0


def replicaset(spec: Spec, generation: int) -> str:
    """A ReplicaSet name as a Deployment names it (``web-7c9d8f6b54``)."""
    digest = sum(ord(c) * 31**i for i, c in enumerate(f"{spec.name}{generation}")) % 16**10
    return f"{spec.name}-{digest:010x}"


def _shape(spec: Spec, t: float, rng: random.Random | None) -> float:
    day = 1 + spec.cpu_daily * math.sin(2 * math.pi * (t % 86400) / 86400)
    week = 1 + spec.cpu_weekly * math.sin(2 * math.pi * (t % 604800) / 604800)
    noise = max(0.2, 1 + rng.gauss(0, spec.cpu_noise)) if rng else 1.0
    return day * week * noise


def simulate(spec: Spec, start: float, end: float, step: float, seed: int) -> list[PodTrace]:
    """True demand and observed usage of every pod of ``spec`` between ``start`` and ``end``."""
    rng = random.Random(f"{seed}:{spec.namespace}/{spec.name}")
    if spec.history_hours is not None:
        start = max(start, end - spec.history_hours * 3600)
    deploy = start + spec.deploy_at * (end - start) if spec.deploy_at is not None else None
    oom_at = start + spec.worker_oom_at * (end - start) if spec.worker_oom_at else None
    generations = [start] if deploy is None else [start, deploy]
    pods: list[PodTrace] = []
    for gen, born in enumerate(generations):
        died = generations[gen + 1] if gen + 1 < len(generations) else end
        factor = spec.deploy_factor if gen else 1.0
        for r in range(spec.replicas):
            pod = PodTrace(f"{replicaset(spec, gen)}-{r:05d}", born, step=step)
            restart_at, leaked_since = born, born
            down_until, crashes = born, 0
            t = born
            while t < died:
                if t < down_until:  # CrashLoopBackOff: the container is not running
                    t += step
                    continue
                if crashes and t - restart_at > 600:
                    crashes = 0  # the kubelet resets the back-off after 10 minutes up
                replicas = spec.replicas
                if spec.hpa_target is not None:
                    load = spec.total_rps * _shape(spec, t, rng)
                    demand_total = load * spec.cpu_per_request
                    # the HPA follows the smooth daily shape (its stabilisation window)
                    smooth = spec.total_rps * _shape(spec, t, None) * spec.cpu_per_request
                    wanted = smooth / (spec.cpu_request * spec.hpa_target / 100)
                    replicas = max(1, math.ceil(wanted))
                    if r >= replicas:  # this replica is scaled in: no samples
                        t += step
                        continue
                    cpu = demand_total / replicas
                    rps = load / replicas
                else:
                    cpu = spec.cpu_base * factor * _shape(spec, t, rng)
                    rps = cpu / spec.cpu_per_request
                if spec.burst_prob and rng.random() < spec.burst_prob:
                    cpu += spec.burst_cores
                if t - restart_at < 300:
                    cpu += spec.startup_cpu
                cpu = min(cpu, float(spec.workers * spec.threads))  # the GIL: ≤ 1 core per worker
                used, ratio = cpu, 0.0
                if spec.cpu_limit is not None and cpu > spec.cpu_limit:
                    used, ratio = spec.cpu_limit, min(1.0, (cpu - spec.cpu_limit) / cpu * 2)
                mem = spec.mem_base + spec.workers * spec.per_worker * factor
                mem += spec.leak_per_hour * (t - leaked_since) / 3600
                if t - restart_at < 300:
                    mem += spec.startup_mem
                mem *= 1 + abs(rng.gauss(0, 0.01))
                oom = 0
                if oom_at is not None and oom_at <= t < oom_at + step:
                    oom, pod.worker_ooms = 1, pod.worker_ooms + 1  # a worker killed, not the pod
                elif spec.mem_limit is not None and mem > spec.mem_limit:
                    # the container is OOM-killed and restarts after 10 s, 20 s … (back-off)
                    crashes += 1
                    down_until = t + 10.0 * 2 ** min(crashes - 1, 5)  # ≤ 320 s
                    oom, restart_at, leaked_since = 1, down_until, down_until
                    mem = spec.mem_limit
                pod.steps.append(t)
                pod.cpu_demand.append(cpu)
                pod.cpu_used.append(used)
                pod.throttled.append(ratio)
                pod.mem.append(mem)
                pod.oom_events.append(oom)
                pod.rps.append(rps)
                pod.busy.append(rps * spec.latency)
                t += step
            pod.cpu_request, pod.mem_limit = spec.cpu_request, spec.mem_limit
            if pod.steps:
                pods.append(pod)
    return pods


def _labels(**kv: str) -> str:
    return "{" + ",".join(f'{k}="{v}"' for k, v in kv.items()) + "}"


class OpenMetrics:
    """Collects samples per family and series, then writes them grouped as OpenMetrics wants."""

    def __init__(self, extra: dict[str, str] | None = None) -> None:
        self.extra = extra or {}
        self.families: dict[str, tuple[str, dict[str, dict[float, float]]]] = {}

    def add(self, family: str, kind: str, sample: str, labels: dict[str, str],
            points: list[tuple[float, float]]) -> None:
        series = self.families.setdefault(family, (kind, {}))[1]
        key = sample + _labels(**{**self.extra, **labels})
        series.setdefault(key, {}).update(points)  # shared series (a ReplicaSet) merge

    def lines(self) -> Iterator[str]:
        for family, (kind, series) in self.families.items():
            yield f"# TYPE {family} {kind}\n"
            for key, points in series.items():
                for ts, value in sorted(points.items()):
                    yield f"{key} {value:.12g} {ts:.0f}\n"
        yield "# EOF\n"


def emit(om: OpenMetrics, spec: Spec, pods: list[PodTrace], *, ksm: bool = True,
         job: str = "kubelet", meta_step: float = 240.0) -> None:
    """Add the cAdvisor, kube-state-metrics and podfit.runtime series of ``pods``."""
    ns, container = spec.namespace, "app"
    for pod in pods:
        base = {"namespace": ns, "pod": pod.name, "container": container, "job": job,
                "metrics_path": "/metrics/cadvisor"}
        cpu_total, periods, throttled, ooms = 0.0, 0.0, 0.0, 0
        cpu_pts, per_pts, thr_pts, oom_pts = [], [], [], []
        step = pod.step
        for i, t in enumerate(pod.steps):
            cpu_total += pod.cpu_used[i] * step
            periods += step * 10
            throttled += pod.throttled[i] * step * 10
            ooms += pod.oom_events[i]
            cpu_pts.append((t, cpu_total))
            per_pts.append((t, periods))
            thr_pts.append((t, throttled))
            oom_pts.append((t, float(ooms)))
        om.add("container_cpu_usage_seconds", "counter", "container_cpu_usage_seconds_total",
               base, cpu_pts)
        om.add("container_memory_working_set_bytes", "gauge",
               "container_memory_working_set_bytes", base, list(zip(pod.steps, pod.mem,
                                                                     strict=True)))
        if spec.cpu_limit is not None:
            om.add("container_cpu_cfs_periods", "counter", "container_cpu_cfs_periods_total",
                   base, per_pts)
            om.add("container_cpu_cfs_throttled_periods", "counter",
                   "container_cpu_cfs_throttled_periods_total", base, thr_pts)
        om.add("container_oom_events", "counter", "container_oom_events_total", base, oom_pts)
        meta = [t for i, t in enumerate(pod.steps) if i % max(1, int(meta_step // step)) == 0]
        if ksm:
            _emit_ksm(om, spec, pod, meta)
        if spec.runtime_metrics:
            _emit_runtime(om, spec, pod, step)


def _emit_ksm(om: OpenMetrics, spec: Spec, pod: PodTrace, meta: list[float]) -> None:
    ns, job = spec.namespace, "kube-state-metrics"
    rs = pod.name.rsplit("-", 1)[0]

    def const(value: float) -> list[tuple[float, float]]:
        return [(t, value) for t in meta]

    c = {"namespace": ns, "pod": pod.name, "container": "app", "job": job}
    om.add("kube_pod_container_resource_requests", "gauge",
           "kube_pod_container_resource_requests", {**c, "resource": "cpu", "unit": "core"},
           const(spec.cpu_request))
    om.add("kube_pod_container_resource_requests", "gauge",
           "kube_pod_container_resource_requests", {**c, "resource": "memory", "unit": "byte"},
           const(spec.mem_request))
    if spec.cpu_limit is not None:
        om.add("kube_pod_container_resource_limits", "gauge", "kube_pod_container_resource_limits",
               {**c, "resource": "cpu", "unit": "core"}, const(spec.cpu_limit))
    if spec.mem_limit is not None:
        om.add("kube_pod_container_resource_limits", "gauge", "kube_pod_container_resource_limits",
               {**c, "resource": "memory", "unit": "byte"}, const(spec.mem_limit))
    om.add("kube_pod_labels", "gauge", "kube_pod_labels",
           {"namespace": ns, "pod": pod.name, "label_app": spec.name, "job": job}, const(1))
    om.add("kube_pod_owner", "gauge", "kube_pod_owner",
           {"namespace": ns, "pod": pod.name, "owner_kind": "ReplicaSet", "owner_name": rs,
            "owner_is_controller": "true", "job": job}, const(1))
    om.add("kube_replicaset_owner", "gauge", "kube_replicaset_owner",
           {"namespace": ns, "replicaset": rs, "owner_kind": "Deployment",
            "owner_name": spec.name, "owner_is_controller": "true", "job": job}, const(1))
    container_kills = sum(pod.oom_events) - pod.worker_ooms
    om.add("kube_pod_container_status_restarts", "counter",
           "kube_pod_container_status_restarts_total", c, const(float(container_kills)))
    if container_kills:
        om.add("kube_pod_container_status_last_terminated_reason", "gauge",
               "kube_pod_container_status_last_terminated_reason",
               {**c, "reason": "OOMKilled"}, const(1))
    if spec.hpa_target is not None:
        h = {"namespace": ns, "horizontalpodautoscaler": spec.name, "job": job}
        om.add("kube_horizontalpodautoscaler_info", "gauge", "kube_horizontalpodautoscaler_info",
               {**h, "scaletargetref_kind": "Deployment", "scaletargetref_name": spec.name},
               const(1))
        om.add("kube_horizontalpodautoscaler_spec_target_metric", "gauge",
               "kube_horizontalpodautoscaler_spec_target_metric",
               {**h, "metric_name": "cpu", "metric_target_type": "utilization"},
               const(spec.hpa_target))


def _emit_runtime(om: OpenMetrics, spec: Spec, pod: PodTrace, step: float) -> None:
    r = {"namespace": spec.namespace, "pod": pod.name, "container": "app", "job": "app"}
    om.add("podfit_workers", "gauge", "podfit_workers", r,
           [(t, float(spec.workers)) for t in pod.steps])
    om.add("podfit_worker_memory_bytes", "gauge", "podfit_worker_memory_bytes", r,
           [(t, spec.per_worker * (1 + 0.02 * (i % 3))) for i, t in enumerate(pod.steps)])
    om.add("podfit_request_slots", "gauge", "podfit_request_slots", r,
           [(t, float(spec.workers * spec.threads)) for t in pod.steps])
    if spec.busy_gauge:
        om.add("podfit_request_slots_busy", "gauge", "podfit_request_slots_busy", r,
               list(zip(pod.steps, pod.busy, strict=True)))
    count = total = 0.0
    count_pts, sum_pts = [], []
    for i, t in enumerate(pod.steps):
        count += pod.rps[i] * step
        total += pod.rps[i] * step * spec.latency
        count_pts.append((t, count))
        sum_pts.append((t, total))
    family = "http_server_request_duration_seconds"
    om.add(family, "histogram", family + "_bucket", {**r, "le": "+Inf"}, count_pts)
    om.add(family, "histogram", family + "_count", r, count_pts)
    om.add(family, "histogram", family + "_sum", r, sum_pts)
    oom = 0.0
    om.add("podfit_worker_restarts", "counter", "podfit_worker_restarts_total",
           {**r, "reason": "oom"},
           [(t, oom := oom + pod.oom_events[i] * (pod.worker_ooms > 0))
            for i, t in enumerate(pod.steps)])
