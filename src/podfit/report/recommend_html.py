"""A self-contained HTML report of ``recommend``: per workload, usage against the current
and recommended requests (matplotlib, inline base64 PNGs)."""

from __future__ import annotations

import base64
import html
import io
from typing import Any

from podfit.core.errors import UsageError
from podfit.recommend.engine import RecommendResult
from podfit.recommend.model import History, Recommendation
from podfit.report.recommend import render_table

_STYLE = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222}
img{max-width:100%}pre{background:#f6f6f6;padding:1em;overflow:auto;font-size:.8em}"""


def _png(fig: Any) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode()


def _plot(rec: Recommendation, history: History) -> str:
    import matplotlib.pyplot as plt

    fig, (cpu_ax, mem_ax) = plt.subplots(1, 2, figsize=(11, 3))
    for ax, points, now, new, unit, scale in (
            (cpu_ax, history.cpu, rec.current.cpu_request, rec.cpu_request.value, "cores", 1.0),
            (mem_ax, history.memory, rec.current.memory_request, rec.memory_request.value,
             "MiB", 2.0**20)):
        ordered = sorted(points)
        if ordered:
            t0 = ordered[0][0]
            ax.plot([(t - t0) / 3600 for t, _ in ordered], [v / scale for _, v in ordered],
                    ".", markersize=1, color="#555", label="usage (all pods)")
        if now is not None:
            ax.axhline(now / scale, color="#c33", label="current request")
        if new is not None:
            ax.axhline(new / scale, color="#3a3", linestyle="--", label="recommended request")
        ax.set_xlabel("hours")
        ax.set_ylabel(unit)
        ax.legend(fontsize=7)
    limit = rec.memory_limit.value
    if limit is not None:
        mem_ax.axhline(limit / 2**20, color="#36c", linestyle=":", label="recommended limit")
    fig.suptitle(str(rec.key), fontsize=9)
    encoded = _png(fig)
    plt.close(fig)
    return encoded


def render_html(result: RecommendResult) -> str:
    try:
        import matplotlib

        matplotlib.use("Agg")
    except ImportError as exc:
        raise UsageError("the HTML report needs matplotlib",
                         "pip install 'podfit[report]'") from exc
    histories = {h.key: h for h in result.histories}
    parts = ["<!doctype html><html><head><meta charset='utf-8'><title>podfit recommend</title>",
             f"<style>{_STYLE}</style></head><body><h1>podfit recommend</h1>",
             f"<pre>{html.escape(render_table(result))}</pre>"]
    for note in result.degradations:
        parts.append(f"<p><b>degraded:</b> {html.escape(note)}</p>")
    for rec in result.recommendations:
        history = histories.get(rec.key)
        if history is None or not history.cpu:
            continue
        parts.append(f"<h2>{html.escape(str(rec.key))}</h2>")
        parts.append(f"<img alt='usage of {html.escape(str(rec.key))}' "
                     f"src='data:image/png;base64,{_plot(rec, history)}'>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
