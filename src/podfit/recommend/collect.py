"""The query plan: per namespace, a few instant queries for metadata and stepped range
queries for usage, cut into chunks — never a per-pod 14-day subquery (krr#83, #332)."""

from __future__ import annotations

import re
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from podfit.core.progress import Observer, Progress, Stage
from podfit.recommend.model import History, Hpa, Resources, WorkloadKey
from podfit.recommend.pool import Tables, pool
from podfit.recommend.settings import RecommendSettings, parse_span
from podfit.recommend.sources import Prometheus, PrometheusError, Series

BY = "namespace, pod, container"
OOM_REASON = 'reason="OOMKilled"'


@dataclass
class ClusterData:
    histories: list[History] = field(default_factory=list)
    current: dict[WorkloadKey, Resources] = field(default_factory=dict)
    degradations: list[str] = field(default_factory=list)


def _pod_workload(pod: str) -> tuple[str, str]:
    """Guess the owner from a pod name when kube-state-metrics is missing."""
    if re.fullmatch(r".+-[0-9a-f]{5,10}-[0-9a-z]{5}", pod):
        return "Deployment", pod.rsplit("-", 2)[0]
    if re.fullmatch(r".+-\d+", pod):
        return "StatefulSet", pod.rsplit("-", 1)[0]
    return "Pod", pod


class Collector:
    """Runs the query plan for some namespaces and returns pooled histories."""

    def __init__(self, prom: Prometheus, settings: RecommendSettings, end: float,
                 progress: Observer[None] | None = None) -> None:
        self.prom, self.settings, self.end = prom, settings, end
        self.history = parse_span(settings.history)
        self.start = end - self.history
        self.step = parse_span(settings.step)
        self.window = f"{int(self.history)}s"
        self.progress: Observer[None] = progress or (lambda _event: None)
        self.cluster = ""

    def _m(self, ns: str, extra: str = "") -> str:
        parts = [f'namespace="{ns}"']
        if self.cluster:
            parts.append(f'{self.settings.cluster_label}="{self.cluster}"')
        if extra:
            parts.append(extra)
        return "{" + ", ".join(parts) + "}"

    def _cad(self, ns: str) -> str:
        extra = 'container!="", container!="POD"'
        if self.settings.cadvisor_matchers:
            extra += ", " + self.settings.cadvisor_matchers
        return self._m(ns, extra)

    def _range(self, expr: str) -> list[Series]:
        """One stepped range query, cut into chunks; series are joined by labels."""
        chunk = max(self.step, parse_span(self.settings.chunk))
        spans: list[tuple[float, float]] = []
        t = self.start + self.step
        while t <= self.end:
            stop = min(self.end, t + chunk - self.step)
            spans.append((t, stop))
            t = stop + self.step
        joined: dict[tuple[tuple[str, str], ...], list[tuple[float, float]]] = defaultdict(list)
        # A few chunks in flight: Prometheus answers them in parallel, each stays small.
        with ThreadPoolExecutor(max_workers=max(1, self.settings.concurrency)) as pool:
            answers = pool.map(lambda span: self.prom.query_range(expr, span[0], span[1],
                                                                  self.step),
                               spans)
            for answer in answers:  # in time order, so each series stays sorted
                for s in answer:
                    joined[tuple(sorted(s.labels.items()))].extend(s.points)
        return [Series(dict(k), tuple(v)) for k, v in joined.items()]

    def _instant(self, expr: str) -> list[Series]:
        return self.prom.query(expr, self.end)

    def namespaces(self, wanted: list[str]) -> list[str]:
        match = "container_memory_working_set_bytes"
        found = self.prom.label_values("namespace", match, self.start, self.end)
        if not found:
            raise PrometheusError(
                "no container_memory_working_set_bytes series in the history window",
                "is cAdvisor (the kubelet's /metrics/cadvisor) scraped by this Prometheus?")
        if not wanted:
            return found
        missing = [ns for ns in wanted if ns not in found]
        if missing:
            raise PrometheusError(f"no cAdvisor series for namespace(s) {', '.join(missing)}",
                                  f"namespaces with data: {', '.join(found[:20])}")
        return wanted

    def pick_cluster(self, ns: str) -> None:
        """Never mix clusters that share a Prometheus (Thanos, Mimir): one per run."""
        label, wanted = self.settings.cluster_label, self.settings.cluster
        clusters = self.prom.label_values(
            label, f'container_memory_working_set_bytes{{namespace="{ns}"}}', self.start,
            self.end)
        self.cluster = ""
        if wanted and clusters:
            if wanted not in clusters:
                raise PrometheusError(f'{ns}: no series with {label}="{wanted}"',
                                      f"clusters seen: {', '.join(clusters)}")
            self.cluster = wanted
        elif len(clusters) > 1:
            raise PrometheusError(
                f"{ns}: this Prometheus holds {len(clusters)} clusters ({', '.join(clusters)}); "
                "mixing them would give wrong figures",
                f'set cluster = "{clusters[0]}" in [tool.podfit.recommend]')

    def owners(self, ns: str) -> dict[str, tuple[str, str]] | None:
        """pod -> (kind, name) through ReplicaSets; ``None`` without kube-state-metrics."""
        pods = self._instant(f"max by (pod, owner_kind, owner_name) "
                             f"(last_over_time(kube_pod_owner{self._m(ns)}[{self.window}]))")
        if not pods:
            return None
        sets = self._instant(f"max by (replicaset, owner_kind, owner_name) (last_over_time("
                             f"kube_replicaset_owner{self._m(ns)}[{self.window}]))")
        rs = {s.labels.get("replicaset", ""): (s.labels.get("owner_kind", ""),
                                                s.labels.get("owner_name", "")) for s in sets}
        out = {}
        for s in pods:
            kind, name = s.labels.get("owner_kind", ""), s.labels.get("owner_name", "")
            if kind == "ReplicaSet" and name in rs and rs[name][1]:
                kind, name = rs[name]
            out[s.labels["pod"]] = (kind or "Pod", name or s.labels["pod"])
        return out

    def selected_pods(self, ns: str, selector: str) -> set[str]:
        matchers = []
        for term in filter(None, (t.strip() for t in selector.split(","))):
            m = re.fullmatch(r"([A-Za-z0-9_./-]+)\s*(!=|=)\s*(.*)", term)
            if not m:
                raise PrometheusError(f"cannot read selector term {term!r}",
                                      "use key=value or key!=value, comma-separated")
            label = "label_" + re.sub(r"[^A-Za-z0-9_]", "_", m.group(1))
            matchers.append(f'{label}{m.group(2)}"{m.group(3)}"')
        series = self._instant(f"max by (pod) (last_over_time(kube_pod_labels"
                               f"{self._m(ns, ', '.join(matchers))}[{self.window}]))")
        return {s.labels["pod"] for s in series}

    def collect(self, namespaces: list[str], selector: str = "") -> ClusterData:
        data = ClusterData()
        names = self.namespaces(namespaces)
        for done, ns in enumerate(names):
            self.progress(Progress(Stage.STATUS, done, len(names), f"reading namespace {ns}"))
            self._namespace(ns, selector, data)
        if self.prom.stats.warnings:
            data.degradations += [f"Prometheus warned: {w}" for w in self.prom.stats.warnings]
        return data

    def _per_container(self, expr: str) -> dict[tuple[str, str], float]:
        return {(s.labels.get("pod", ""), s.labels.get("container", "")): s.last
                for s in self._instant(expr)}

    def _namespace(self, ns: str, selector: str, data: ClusterData) -> None:
        self.pick_cluster(ns)
        w, cad, m = self.window, self._cad(ns), self._m(ns)
        step = f"{int(self.step)}s"
        owners = self.owners(ns)
        if owners is None:
            data.degradations.append(
                f"{ns}: no kube-state-metrics series (kube_pod_owner): workloads guessed from "
                "pod names, current requests unknown (give --manifests), HPAs not seen")
        keep = self.selected_pods(ns, selector) if selector and owners is not None else None
        if selector and owners is None:
            data.degradations.append(f"{ns}: --selector needs kube_pod_labels; ignored")
        cpu = self._range(f"max by ({BY}) (rate(container_cpu_usage_seconds_total{cad}"
                          f"[{step}]))")
        mem = self._range(f"max by ({BY}) (max_over_time(container_memory_working_set_bytes"
                          f"{cad}[{step}]))")
        thr = self._range(f"max by ({BY}) (rate(container_cpu_cfs_throttled_periods_total{cad}"
                          f"[{step}])) / max by ({BY}) (rate(container_cpu_cfs_periods_total"
                          f"{cad}[{step}]))")
        ooms = self._per_container(f"max by ({BY}) (increase(container_oom_events_total{cad}"
                                   f"[{w}]))")
        kills: dict[tuple[str, str], float] = {}
        requests: dict[tuple[str, str, str], float] = {}
        limits: dict[tuple[str, str, str], float] = {}
        hpas: dict[str, Hpa] = {}
        if owners is not None:
            kills = self._per_container(f"max by ({BY}) (max_over_time("
                                        f"kube_pod_container_status_last_terminated_reason"
                                        f"{self._m(ns, OOM_REASON)}[{w}]))")
            for target, metric in ((requests, "requests"), (limits, "limits")):
                for s in self._instant(f"max by ({BY}, resource) (last_over_time("
                                       f"kube_pod_container_resource_{metric}{m}[{w}]))"):
                    lab = s.labels
                    target[(lab.get("pod", ""), lab.get("container", ""),
                            lab.get("resource", ""))] = s.last
            hpas = self._hpas(ns)
        stats, busy = self._runtime(ns)
        groups: dict[WorkloadKey, set[str]] = defaultdict(set)
        for s in cpu + mem:
            pod, container = s.labels.get("pod", ""), s.labels.get("container", "")
            if keep is not None and pod not in keep:
                continue
            kind, name = (owners or {}).get(pod) or _pod_workload(pod)
            groups[WorkloadKey(ns, kind, name, container)].add(pod)
        index = {(s.labels.get("pod", ""), s.labels.get("container", "")): s
                 for s in cpu}
        mindex = {(s.labels.get("pod", ""), s.labels.get("container", "")): s
                  for s in mem}
        tindex = {(s.labels.get("pod", ""), s.labels.get("container", "")): dict(s.points)
                  for s in thr}
        for key, pods in sorted(groups.items(), key=lambda kv: str(kv[0])):
            tables = Tables(index, mindex, tindex, ooms, kills, requests, limits, stats, busy)
            history, current = pool(key, sorted(pods), tables,
                                    hpas.get(f"{key.kind}/{key.name}"), start=self.start,
                                    step=self.step,
                                    min_history=parse_span(self.settings.min_history))
            data.histories.append(history)
            data.current[key] = current

    def _hpas(self, ns: str) -> dict[str, Hpa]:
        w = self.window
        refs = {s.labels.get("horizontalpodautoscaler", ""): (
            s.labels.get("scaletargetref_kind", ""), s.labels.get("scaletargetref_name", ""))
            for s in self._instant(f"last_over_time(kube_horizontalpodautoscaler_info"
                                   f"{self._m(ns)}[{w}])")}
        out: dict[str, Hpa] = {}
        for s in self._instant(f"last_over_time(kube_horizontalpodautoscaler_spec_target_metric"
                               f"{self._m(ns)}[{w}])"):
            name = s.labels.get("horizontalpodautoscaler", "")
            kind, target = refs.get(name, ("", ""))
            metric = s.labels.get("metric_name", "")
            util = s.last if s.labels.get("metric_target_type") == "utilization" else None
            current = out.get(f"{kind}/{target}")
            if current is None or metric == "cpu":
                out[f"{kind}/{target}"] = Hpa(name, metric, util)
        return out

    def _runtime(self, ns: str) -> tuple[dict[str, dict[str, float]],
                                         dict[str, dict[float, float]]]:
        """podfit.runtime per pod (workers, per-worker memory, slots, restarts by reason)
        and busy request slots per pod and step."""
        w, m = self.window, self._m(ns)
        out: dict[str, dict[str, float]] = defaultdict(dict)
        for name, expr in (
                ("workers", f"max by (pod) (max_over_time(podfit_workers{m}[{w}]))"),
                ("per_worker", f"max by (pod) (max_over_time(podfit_worker_memory_bytes{m}[{w}]))"),
                ("slots", f"max by (pod) (max_over_time(podfit_request_slots{m}[{w}]))")):
            for s in self._instant(expr):
                out[s.labels.get("pod", "")][name] = s.last
        if not out:
            return {}, {}
        for s in self._instant(f"sum by (pod, reason) (increase(podfit_worker_restarts_total{m}"
                               f"[{w}]))"):
            out[s.labels.get("pod", "")]["restarts_" + s.labels.get("reason", "")] = s.last
        step = f"{int(self.step)}s"
        busy = {s.labels.get("pod", ""): dict(s.points) for s in self._range(
            f"max by (pod) (avg_over_time(podfit_request_slots_busy{m}[{step}]))")}
        if any(pod not in busy for pod in out):
            # pods without the gauge (an older podfit.runtime, or another library's RED
            # metrics): by Little's law the rate of the latency sum is the mean concurrency
            for s in self._range(f"sum by (pod) (rate(http_server_request_duration_seconds_sum"
                                 f"{m}[{step}]))"):
                busy.setdefault(s.labels.get("pod", ""), dict(s.points))
        return out, busy
