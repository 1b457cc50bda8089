"""A Grafana dashboard for the RED metrics podfit.runtime exports and the container metrics."""

from __future__ import annotations

import json
from typing import Any

from podfit.generate.plan import Plan

#: (title, unit, PromQL); ``$job`` selects the app's pods.
PANELS = (
    ("Requests per second", "reqps",
     'sum by (http_response_status_code) (rate(http_server_request_duration_seconds_count'
     '{app="$app"}[5m]))'),
    ("Error ratio (5xx)", "percentunit",
     'sum(rate(http_server_request_duration_seconds_count{app="$app",'
     'http_response_status_code=~"5.."}[5m])) / sum(rate('
     'http_server_request_duration_seconds_count{app="$app"}[5m]))'),
    ("Latency p50 / p95 / p99", "s",
     'histogram_quantile(0.99, sum by (le) (rate('
     'http_server_request_duration_seconds_bucket{app="$app"}[5m])))'),
    ("Requests in flight", "short", 'sum(http_server_active_requests{app="$app"})'),
    ("CPU throttled share", "percentunit",
     'sum(rate(podfit_container_cpu_throttled_periods_total{app="$app"}[5m])) / '
     'sum(rate(podfit_container_cpu_periods_total{app="$app"}[5m]))'),
    ("CPU used vs request", "cores",
     'sum by (pod) (rate(container_cpu_usage_seconds_total{container!="",pod=~"$app-.*"}[5m]))'),
    ("Memory working set vs limit", "bytes",
     'sum by (pod) (container_memory_working_set_bytes{container!="",pod=~"$app-.*"})'),
    ("Restarts and OOM kills", "short",
     'sum by (pod) (increase(kube_pod_container_status_restarts_total{pod=~"$app-.*"}[1h]))'),
    ("Replicas (HPA)", "short",
     'kube_horizontalpodautoscaler_status_current_replicas{horizontalpodautoscaler="$app"}'),
)


def render_dashboard(plan: Plan) -> str:
    panels: list[dict[str, Any]] = []
    for index, (title, unit, expr) in enumerate(PANELS):
        targets = [{"expr": expr, "refId": "A", "legendFormat": "__auto"}]
        if title.startswith("Latency"):
            targets = [{"expr": expr.replace("0.99", q), "refId": ref, "legendFormat": f"p{q[2:]}"}
                       for q, ref in (("0.50", "A"), ("0.95", "B"), ("0.99", "C"))]
        panels.append({
            "id": index + 1, "type": "timeseries", "title": title,
            "datasource": {"type": "prometheus", "uid": "${datasource}"},
            "gridPos": {"h": 8, "w": 12, "x": 12 * (index % 2), "y": 8 * (index // 2)},
            "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
            "targets": targets,
        })
    dashboard = {
        "title": f"{plan.name} (podfit)",
        "uid": f"podfit-{plan.name}"[:40],
        "tags": ["podfit", "python"],
        "timezone": "browser",
        "schemaVersion": 39,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {"list": [
            {"name": "datasource", "type": "datasource", "query": "prometheus"},
            {"name": "app", "type": "constant", "query": plan.name, "hide": 2},
        ]},
        "panels": panels,
    }
    return json.dumps(dashboard, indent=2) + "\n"
