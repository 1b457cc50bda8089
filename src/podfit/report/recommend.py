"""Renderers of ``recommend`` results: a table (rich), JSON, YAML and HTML."""

from __future__ import annotations

import io
import json
from typing import Any

from podfit.core.units import format_cpu, format_memory
from podfit.recommend.engine import RecommendResult
from podfit.recommend.model import Figure, Recommendation, Resources

JSON_VERSION = 1
_FIELDS = ("cpu_request", "cpu_limit", "memory_request", "memory_limit")


def _fmt(name: str, value: float | None) -> str:
    if value is None:
        return "-"
    return format_cpu(value) if name.startswith("cpu") else format_memory(value)


def _shown(name: str, figure: Figure) -> str:
    if figure.value is None:
        return "?" if figure.confidence == "none" else "unset"
    return _fmt(name, figure.value)


def _figure_json(name: str, figure: Figure) -> dict[str, Any]:
    return {"value": figure.value, "quantity": None if figure.value is None
            else _fmt(name, figure.value), "reason": figure.reason,
            "confidence": figure.confidence}


def _current_json(current: Resources) -> dict[str, Any]:
    return {name: getattr(current, name) for name in _FIELDS}


def as_data(result: RecommendResult) -> dict[str, Any]:
    items = []
    for rec in result.recommendations:
        item: dict[str, Any] = {
            "namespace": rec.key.namespace, "kind": rec.key.kind, "name": rec.key.name,
            "container": rec.key.container, "pods": rec.pods,
            "history_hours": round(rec.history_hours, 2), "samples": rec.samples,
            "current": _current_json(rec.current),
            "recommended": {name: _figure_json(name, getattr(rec, name)) for name in _FIELDS},
            "changes": sorted(rec.changes), "notes": list(rec.notes)}
        if rec.workers is not None:
            item["workers"] = {"value": rec.workers.value, "reason": rec.workers.reason,
                               "confidence": rec.workers.confidence}
        items.append(item)
    stats = result.stats
    return {"version": JSON_VERSION, "workloads": items,
            "degradations": list(result.degradations),
            "queries": {"count": stats.queries, "bytes": stats.bytes,
                        "seconds": round(stats.seconds, 3)}}


def render_json(result: RecommendResult) -> str:
    return json.dumps(as_data(result), indent=2) + "\n"


def render_yaml(result: RecommendResult) -> str:
    import yaml

    return str(yaml.safe_dump(as_data(result), sort_keys=False, width=100))


def _cell(name: str, rec: Recommendation) -> str:
    figure: Figure = getattr(rec, name)
    now = _fmt(name, getattr(rec.current, name))
    new = _shown(name, figure)
    return now if new == now else f"{now} → {new}"


def render_table(result: RecommendResult) -> str:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="podfit recommend", show_lines=False)
    for column in ("workload", "container", "pods", "history", "CPU req", "CPU lim",
                   "mem req", "mem lim", "workers", "confidence"):
        table.add_column(column)
    reasons = []
    for rec in result.recommendations:
        workers = "-" if rec.workers is None else f"{rec.workers.value:g}"
        table.add_row(f"{rec.key.namespace}/{rec.key.kind}/{rec.key.name}", rec.key.container,
                      str(rec.pods), f"{rec.history_hours:.0f}h",
                      *(_cell(name, rec) for name in _FIELDS), workers,
                      rec.cpu_request.confidence)
        reasons.append(f"{rec.key}:")
        for name in _FIELDS:
            reasons.append(f"  {name.replace('_', ' ')}: {getattr(rec, name).reason}")
        if rec.workers is not None:
            reasons.append(f"  workers: {rec.workers.reason}")
        reasons += [f"  note: {n}" for n in rec.notes]
    buffer = io.StringIO()
    console = Console(file=buffer, width=160, no_color=True, highlight=False)
    console.print(table)
    text = buffer.getvalue() + "\n".join(reasons) + "\n"
    if not result.recommendations:
        text = "no workloads with history found\n"
    return text


def render(result: RecommendResult, fmt: str) -> str:
    if fmt == "json":
        return render_json(result)
    if fmt == "yaml":
        return render_yaml(result)
    if fmt == "html":
        from podfit.report.recommend_html import render_html

        return render_html(result)
    return render_table(result)
