"""A self-contained HTML report of a profile, with plots as inline base64 PNGs (matplotlib)."""

from __future__ import annotations

import base64
import html
import io
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from podfit.core.errors import UsageError
from podfit.profile.results import ProfileResult, RunResult
from podfit.report.profile_text import race_lines
from podfit.report.profile_text import render as render_text

_STYLE = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222}
table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #ccc;padding:3px 8px}
td{text-align:right}td:first-child,td.t{text-align:left}img{max-width:100%}
pre{background:#f6f6f6;padding:1em;overflow:auto}"""


_Metric = Callable[[RunResult], float]


def _series(runs: list[RunResult]) -> dict[str, list[RunResult]]:
    groups: dict[str, list[RunResult]] = defaultdict(list)
    for run in runs:
        if run.status == "ok" and run.closed:
            cpu = f" @{run.cpu_limit:g} CPU" if run.cpu_limit else ""
            groups[f"{run.threads} thread(s){cpu}"].append(run)
    return {k: sorted(v, key=lambda r: r.workers) for k, v in groups.items()}


def _png(fig: Any) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode()


def _plots(result: ProfileResult) -> list[tuple[str, str]]:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator
    except ImportError as exc:
        raise UsageError("the HTML report needs matplotlib",
                         "pip install 'podfit[report]'") from exc
    series = _series(list(result.runs))
    charts: list[tuple[str, str, _Metric, str, _Metric | None, str]] = [
        ("Throughput against workers", "requests/s",
         lambda r: r.closed.rps if r.closed else 0.0, "max (closed loop)", None, ""),
        ("p99 latency against workers (closed loop)", "ms",
         lambda r: r.closed.p99_ms if r.closed else 0.0, "p99", None, ""),
        ("Memory against workers", "MiB (cgroup peak)",
         lambda r: r.memory_peak / 2**20, "peak", None, ""),
        ("CFS throttling against workers", "% of periods throttled",
         lambda r: 100 * r.throttled_ratio, "throttled", None, ""),
    ]
    images = []
    for title, unit, first, first_name, second, second_name in charts:
        fig, ax = plt.subplots(figsize=(6.5, 3.6))
        for name, runs in series.items():
            xs = [r.workers for r in runs]
            line = ax.plot(xs, [first(r) for r in runs], marker="o",
                           label=f"{name}, {first_name}")[0]
            if second is not None:
                ax.plot(xs, [second(r) for r in runs], marker="x", linestyle="--",
                        color=line.get_color(), label=f"{name}, {second_name}")
        ax.set_title(title)
        ax.set_xlabel("workers")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(unit)
        ax.grid(alpha=0.3)
        if series:
            ax.legend(fontsize=7)
        images.append((title, _png(fig)))
        plt.close(fig)
    return images


def render(result: ProfileResult) -> str:
    """One HTML file: recommendation and reasons, plots, and every run as a table."""
    rec = result.recommendation
    parts = ["<!doctype html><html><head><meta charset='utf-8'>",
             "<title>podfit profile</title>", f"<style>{_STYLE}</style></head><body>",
             "<h1>podfit profile</h1>"]
    if rec is not None:
        parts.append(
            f"<h2>Recommendation</h2><p><b>{rec.workers}</b> worker(s) × <b>{rec.threads}</b> "
            f"thread(s) ({html.escape(rec.worker_class)}); <b>{rec.capacity_rps_per_pod or 0:.0f}"
            f"</b> rps per pod at p99 ≤ {rec.slo_p99_ms or 0:g} ms"
            + (f"; throughput <b>{rec.capacity.value:.0f}</b> rps, interval "
               f"{rec.capacity.low:.0f}–{rec.capacity.high:.0f} over {rec.capacity.repeats} "
               "interleaved rounds" if rec.capacity else "") + ".</p>")
        if result.race is not None:
            parts.append("<h2>Race</h2><pre>" + html.escape(
                "\n".join(race_lines(result.race)).strip()) + "</pre>")
        parts.append("<table><tr><th>field</th><th>value</th><th>reason</th></tr>")
        parts += [f"<tr><td class=t>{html.escape(r.field)}</td><td class=t>"
                  f"{html.escape(r.value)}</td><td class=t>{html.escape(r.reason)}</td></tr>"
                  for r in rec.reasons]
        parts.append("</table>")
    parts.append("<h2>Plots</h2>")
    parts += [f"<h3>{html.escape(t)}</h3><img alt='{html.escape(t)}' "
              f"src='data:image/png;base64,{data}'>" for t, data in _plots(result)]
    parts.append("<h2>Runs</h2><pre>" + html.escape(render_text(result)) + "</pre>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
