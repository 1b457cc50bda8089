"""Terminal rendering of a profile: one row per run, then the recommendation with reasons."""

from __future__ import annotations

from podfit.profile.results import Entry, ProfileResult, RaceResult, RunResult

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
        f"{run.capacity_rps:.0f}" if closed and run.open else "-",  # probed runs only
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


def _race_row(entry: Entry) -> tuple[str, ...]:
    iv = entry.interval
    return (entry.label, entry.status if entry.dropped_after is None
            else f"dropped@{entry.dropped_after}", f"{iv.value:.0f}",
            f"{iv.low:.0f}–{iv.high:.0f}", str(iv.repeats), f"{entry.cpu_cores:.2f}",
            _mib(entry.startup_peak), _mib(entry.serving_peak),
            f"{entry.worker_spread:.2f}" if entry.workers > 1 else "-")


def race_lines(race: RaceResult) -> list[str]:
    """The race as a table: each candidate's throughput interval, then the verdict on noise."""
    header = ("raced", "status", "rps", "interval", "rounds", "cpu", "start peak",
              "serve peak", "spread")
    lines = ["", f"Race ({race.rounds} interleaved round(s), 95 % intervals unless "
             "--confidence):", *_table([header, *(_race_row(e) for e in race.entries)])]
    lines.append(f"noise: {race.noise.verdict}")
    if race.soak:
        soak = race.soak
        lines.append(f"soak: {soak.requests} requests in {soak.seconds:.0f}s, memory "
                     f"{soak.growth_per_1k / 2**20:+.2f} MiB per 1,000 requests "
                     f"({soak.growth_low / 2**20:+.2f}…{soak.growth_high / 2**20:+.2f})")
    return lines


def render(result: ProfileResult) -> str:
    """Plain text (no colour needed to read it) for stdout."""
    lines = _table([_HEADER, *(_row(r) for r in result.runs)])
    lines.append("")
    lines.append(f"backend {result.backend}; load {result.generator}; "
                 f"{len(result.runs)} run(s) in {result.elapsed_s:.0f}s")
    lines += [f"note: {w}" for w in result.warnings]
    if result.race:
        lines += race_lines(result.race)
    for run in result.runs:
        if run.status != "ok" and run.note:
            lines.append(f"{run.label}: {run.status}: {run.note.splitlines()[0]}")
    rec = result.recommendation
    if rec is None:
        lines.append("no recommendation: no configuration ran cleanly")
        return "\n".join(lines) + "\n"
    cap = rec.capacity
    interval = (f"; throughput {cap.value:.0f} rps (interval {cap.low:.0f}–{cap.high:.0f}, "
                f"{cap.repeats} rounds)" if cap else "")
    lines += [
        "",
        f"Recommendation: {rec.workers} worker(s) × {rec.threads} thread(s), "
        f"{rec.worker_class}; {rec.capacity_rps_per_pod or 0:.0f} rps per pod at p99 ≤ "
        f"{rec.slo_p99_ms or 0:g} ms{interval}",
        f"  requests: cpu {rec.cpu_request}, memory {rec.memory_request}",
        f"  limits:   cpu {rec.cpu_limit or 'none'}, memory {rec.memory_limit}",
        f"  hpa:      {rec.hpa.min_replicas}–{rec.hpa.max_replicas} replicas at "
        f"{rec.hpa.target_cpu_utilization} % CPU, scale-down window "
        f"{rec.hpa.scale_down_stabilization_s}s",
        *([f"  recycle:  --max-requests {rec.max_requests} --max-requests-jitter "
           f"{rec.max_requests_jitter}"] if rec.max_requests else []),
        "",
        "Why:",
    ]
    width = max(len(r.field) for r in rec.reasons)
    lines += [f"  {r.field.ljust(width)}  {r.value}: {r.reason}" for r in rec.reasons]
    return "\n".join(lines) + "\n"
