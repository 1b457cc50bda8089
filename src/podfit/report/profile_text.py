"""Terminal rendering of a profile: one row per run, then the recommendation with reasons."""

from __future__ import annotations

from podfit.profile.results import ProfileResult, RunResult

_HEADER = ("config", "status", "ready", "max rps", "p99 ms", "rps@SLO", "cpu", "throttled",
           "mem peak", "worker PSS", "gen cpu")


def _mib(value: float) -> str:
    return f"{value / 2**20:.0f}Mi" if value else "-"


def _row(run: RunResult) -> tuple[str, ...]:
    closed = run.closed
    workers = [p.pss for p in run.processes if p.role == "worker"]
    return (
        run.label,
        run.status,
        f"{run.ready_s:.1f}s" if run.ready_s is not None else "-",
        f"{closed.rps:.0f}" if closed else "-",
        f"{closed.p99_ms:.0f}" if closed else "-",
        f"{run.capacity_rps:.0f}" if closed else "-",
        f"{run.cpu_cores:.2f}" if closed else "-",
        f"{run.throttled_ratio:.0%}" if run.total_periods else "-",
        _mib(run.memory_peak),
        _mib(max(workers)) if workers else "-",
        (f"{closed.generator_cpu_cores:.2f}" + ("!" if closed.generator_saturated else ""))
        if closed else "-",
    )


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                      for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip()
            for row in rows]


def render(result: ProfileResult) -> str:
    """Plain text (no colour needed to read it) for stdout."""
    lines = _table([_HEADER, *(_row(r) for r in result.runs)])
    lines.append("")
    lines.append(f"backend {result.backend}; load {result.generator}; "
                 f"{len(result.runs)} run(s) in {result.elapsed_s:.0f}s")
    lines += [f"note: {w}" for w in result.warnings]
    for run in result.runs:
        if run.status != "ok" and run.note:
            lines.append(f"{run.label}: {run.status}: {run.note.splitlines()[0]}")
    rec = result.recommendation
    if rec is None:
        lines.append("no recommendation: no configuration ran cleanly")
        return "\n".join(lines) + "\n"
    lines += [
        "",
        f"Recommendation: {rec.workers} worker(s) × {rec.threads} thread(s), "
        f"{rec.worker_class}; {rec.capacity_rps_per_pod:.0f} rps per pod at p99 ≤ "
        f"{rec.slo_p99_ms:g} ms",
        f"  requests: cpu {rec.cpu_request}, memory {rec.memory_request}",
        f"  limits:   cpu {rec.cpu_limit or 'none'}, memory {rec.memory_limit}",
        f"  hpa:      {rec.hpa.min_replicas}–{rec.hpa.max_replicas} replicas at "
        f"{rec.hpa.target_cpu_utilization} % CPU, scale-down window "
        f"{rec.hpa.scale_down_stabilization_s}s",
        "",
        "Why:",
    ]
    width = max(len(r.field) for r in rec.reasons)
    lines += [f"  {r.field.ljust(width)}  {r.value}: {r.reason}" for r in rec.reasons]
    return "\n".join(lines) + "\n"
