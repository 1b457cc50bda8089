"""Benchmark ``podfit profile`` on every example app, side by side in one run.

For each app: (1) default profiles (time, recommendation; several give the stability of
workers × threads); (2) an exhaustive grid, unpruned: workers 1 … 3 (2 × CPU + 1 at 1 CPU)
× threads 1, 2, 4 … 128, closed-loop throughput, to find the best configuration that fits
the memory limit with the same margin; (3) the recommended and the best configuration
re-measured **interleaved** (ABAB…, ``--rounds`` rounds each, in the same run) as in the
profile's race: throughput per CPU of limit, with 95 % intervals, and the paired per-round
ratio recommended ÷ best with its interval.

Run as root: ``.venv/bin/python bench/bench_profile.py [--apps cpu,io] [--profiles 5]
[--stability-apps cpu,slowio] [--rounds 5] [--out profile]``. Writes
bench/results/<out>.json and <out>.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

from podfit.profile import (
    CgroupBackend,
    ModelSettings,
    RunSettings,
    SweepSettings,
    run_profile,
    stats,
)
from podfit.profile.noise import read_host_cpu
from podfit.profile.race import Config, RaceSettings, race
from podfit.profile.sandbox import load_driver
from podfit.profile.server import parse_command
from podfit.profile.sweep import THREADS, score, sweep

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MI = 2**20
MEMORY = 512 * MI


def _gunicorn(name: str) -> list[str]:
    return [str(BIN / "gunicorn"), "--chdir", str(ROOT / f"examples/profile-{name}"), "app:app"]


APPS: dict[str, list[str]] = {
    "cpu": _gunicorn("cpu"), "io": _gunicorn("io"), "memory": _gunicorn("memory"),
    "async": [str(BIN / "uvicorn"), "--app-dir", str(ROOT / "examples/profile-async"),
              "app:app"],
    "slowio": _gunicorn("slowio"), "mixed": _gunicorn("mixed"), "leak": _gunicorn("leak"),
}


def _profile(argv: list[str]) -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    result = run_profile(argv, CgroupBackend(), run=RunSettings(), grid=SweepSettings(),
                         model=ModelSettings())
    seconds = time.monotonic() - started
    rec = result.recommendation
    assert rec is not None, result.warnings
    return {"seconds": round(seconds, 1), "workers": rec.workers, "threads": rec.threads,
            "worker_class": rec.worker_class, "memory_limit": rec.memory_limit,
            "max_requests": rec.max_requests,
            "capacity_rps": rec.to_json()["capacity_rps"],
            "noisy": result.race.noise.noisy if result.race else None,
            "noise": result.race.noise.verdict if result.race else None,
            "search": list(result.search)}, seconds


def _grid(argv: list[str]) -> list[Any]:
    command = parse_command(argv)
    grid = SweepSettings(workers=(1, 2, 3), threads=THREADS, exhaustive=True, budget_s=1e9,
                         search_share=1.0)
    with load_driver(None) as driver:
        search = sweep(CgroupBackend(), command, run_settings=replace(RunSettings(),
                                                                      open_fractions=()),
                       settings=grid, driver=driver)
    return list(search.runs)


def _fits(run: Any, margin: float) -> bool:
    return run.memory_limit is None or run.memory_peak * (1 + margin) <= run.memory_limit


def _interleaved(argv: list[str], configs: list[tuple[int, int]],
                 rounds: int) -> list[Any]:
    command = parse_command(argv)
    settings = RaceSettings(repeats=rounds, min_repeats=rounds, soak_requests=0, soak_max_s=0)
    with load_driver(None) as driver:
        result = race(CgroupBackend(), [Config(w, t, 1.0, command) for w, t in configs],
                      run_settings=RunSettings(), settings=settings, driver=driver,
                      memory_limit=MEMORY, deadline=time.monotonic() + 3600)
    return list(result.entries)


def _stability(name: str, profiles: int) -> tuple[list[tuple[dict[str, Any], float]],
                                                  dict[str, Any]]:
    done = []
    for i in range(profiles):
        done.append(_profile(APPS[name]))
        p = done[-1][0]
        print(f"  {name} profile {i + 1}: {p['workers']}w×{p['threads']}t "
              f"max-requests {p['max_requests']} in {p['seconds']} s", file=sys.stderr,
              flush=True)
    counts = Counter((p["workers"], p["threads"]) for p, _ in done)
    (mode, same), = counts.most_common(1)
    return done, {
        "app": name, "profiles": [p for p, _ in done],
        "profile_seconds_max": round(max(s for _, s in done), 1),
        "stability": f"{same}/{profiles} gave {mode[0]}w×{mode[1]}t",
        "stable": same >= min(4, profiles) if profiles >= 5 else None,
        "choices": {f"{w}w×{t}t": n for (w, t), n in counts.most_common()},
        "max_requests": [p["max_requests"] for p, _ in done]}


def bench_app(name: str, profiles: int, rounds: int,
              stability_only: bool = False) -> dict[str, Any]:
    argv = APPS[name]
    done, summary = _stability(name, profiles)
    if stability_only:
        return summary
    first = done[0][0]
    counts = Counter((p["workers"], p["threads"]) for p, _ in done)
    (mode, same), = counts.most_common(1)
    started = time.monotonic()
    grid = _grid(argv)
    grid_s = time.monotonic() - started
    fitting = [r for r in grid if r.status == "ok" and _fits(r, ModelSettings().memory_margin)]
    best = max(fitting, key=score)
    rec = (first["workers"], first["threads"])
    pair = [rec] if rec == (best.workers, best.threads) else [rec, (best.workers, best.threads)]
    entries = _interleaved(argv, pair, rounds)
    rec_entry, best_entry = entries[0], entries[-1]
    ratios = [a / b for a, b in zip(rec_entry.samples, best_entry.samples, strict=False) if b]
    ratio = stats.interval(ratios) if len(pair) > 1 else stats.interval([1.0] * rounds)

    def row(entry: Any) -> dict[str, Any]:
        iv = entry.interval
        return {"config": entry.label, "rps_per_cpu_limit": round(iv.value, 1),
                "low": round(iv.low, 1), "high": round(iv.high, 1), "rounds": iv.repeats,
                "cpu_used": round(entry.cpu_cores, 3),
                "rps_per_cpu_used": round(iv.value / entry.cpu_cores, 1)
                if entry.cpu_cores else 0.0,
                "serving_peak_mib": round(entry.serving_peak / MI),
                "samples": [round(s, 1) for s in entry.samples]}

    return {
        "app": name,
        "profiles": [p for p, _ in done],
        "profile_seconds_max": round(max(s for _, s in done), 1),
        "stability": f"{same}/{profiles} gave {mode[0]}w×{mode[1]}t",
        "stable": same >= min(4, profiles) if profiles >= 5 else None,
        "grid_seconds": round(grid_s, 1),
        "grid_runs": len(grid),
        "grid_best_single": f"{best.workers}w×{best.threads}t ({score(best):.0f} rps)",
        "recommended": row(rec_entry),
        "best": row(best_entry),
        "ratio": {"value": round(ratio.value, 3), "low": round(ratio.low, 3),
                  "high": round(ratio.high, 3), "rounds": ratio.repeats},
        "grid": [{"config": r.label, "status": r.status, "rps": round(score(r), 1),
                  "cpu": r.cpu_cores, "memory_mib": round(r.memory_peak / MI)} for r in grid],
    }


def _per_used(rec: dict[str, Any], best: dict[str, Any]) -> str:
    if not best.get("rps_per_cpu_used"):
        return "-"
    return f"{rec['rps_per_cpu_used'] / best['rps_per_cpu_used']:.0%}"


def stability_markdown(results: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    lines = [f"Host: {meta['cpus']} CPUs, load average {meta['loadavg_start']} at start and "
             f"{meta['loadavg_end']} at end; host CPU busy {meta['host_busy_cores']:.2f} cores on "
             "average: a shared machine, loaded by other engineers' work.", "",
             "Repeated default profiles of the same app, one after another in one run "
             "(target: the same workers × threads at least 4 times in 5).", "",
             "| app | stability | choices | max-requests | profile time (max) |",
             "|---|---|---|---|---:|"]
    for r in results:
        choices = ", ".join(f"{k} ×{v}" for k, v in r["choices"].items())
        lines.append(f"| {r['app']} | {r['stability']} | {choices} | "
                     f"{', '.join(str(m) for m in r['max_requests'])} | "
                     f"{r['profile_seconds_max']:.0f} s |")
    return "\n".join(lines) + "\n"


def markdown(results: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    if results and "recommended" not in results[0]:
        return stability_markdown(results, meta)
    lines = [f"Host: {meta['cpus']} CPUs, load average {meta['loadavg_start']} at start and "
             f"{meta['loadavg_end']} at end; host CPU busy {meta['host_busy_cores']:.2f} cores on "
             "average, of which the benchmark's app (1-CPU limit) and load generator are at "
             "most ~1.3: a shared machine, loaded by other engineers' work.",
             "",
             "",
             "rps/CPU is throughput per CPU of limit (all at a 1-CPU limit); the ratio's interval "
             "comes from the per-round ratios of the interleaved rounds; per CPU used divides by "
             "the CPU each configuration actually took (means over the rounds).",
             "",
             "| app | recommended | rps/CPU (95 % CI) | best of grid | rps/CPU (95 % CI) | "
             "recommended ÷ best (95 % CI) | ÷ per CPU used | profile time | stability |",
             "|---|---|---:|---|---:|---:|---:|---:|---|"]
    for r in results:
        rec, best, ratio = r["recommended"], r["best"], r["ratio"]
        lines.append(
            f"| {r['app']} | {rec['config']} | {rec['rps_per_cpu_limit']:.0f} "
            f"({rec['low']:.0f}–{rec['high']:.0f}) | {best['config']} | "
            f"{best['rps_per_cpu_limit']:.0f} ({best['low']:.0f}–{best['high']:.0f}) | "
            f"{ratio['value']:.0%} ({ratio['low']:.0%}–{ratio['high']:.0%}) | "
            f"{_per_used(rec, best)} | {r['profile_seconds_max']:.0f} s | {r['stability']} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", default=",".join(APPS), help="comma-separated subset")
    parser.add_argument("--profiles", type=int, default=1,
                        help="default profiles per app (5 for the stability figure)")
    parser.add_argument("--stability-apps", default="",
                        help="apps that get 5 profiles whatever --profiles says")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds each")
    parser.add_argument("--out", default="profile", help="results file stem")
    parser.add_argument("--stability-only", action="store_true",
                        help="only the repeated default profiles (no grid, no interleaving)")
    parser.add_argument("--markdown-only", action="store_true",
                        help="rewrite <out>.md from an existing <out>.json")
    args = parser.parse_args()
    if args.markdown_only:
        out = ROOT / "bench" / "results" / f"{args.out}.json"
        data = json.loads(out.read_text())
        out.with_suffix(".md").write_text(markdown(data["results"], data["meta"]))
        return
    stable = set(filter(None, args.stability_apps.split(",")))
    host0, t0, load0 = read_host_cpu(), time.monotonic(), os.getloadavg()
    results = []
    for name in args.apps.split(","):
        print(f"benchmarking {name}…", file=sys.stderr, flush=True)
        results.append(bench_app(name, 5 if name in stable else args.profiles, args.rounds,
                                 args.stability_only))
        out = ROOT / "bench" / "results" / f"{args.out}.json"
        host1 = read_host_cpu()
        meta = {"host": platform.node(), "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "loadavg_start": [round(v, 2) for v in load0],
                "loadavg_end": [round(v, 2) for v in os.getloadavg()],
                "host_busy_cores": round((host1.busy_s - host0.busy_s) / (time.monotonic() - t0),
                                         2),
                "date": time.strftime("%Y-%m-%d %H:%M:%S"), "seconds": round(time.monotonic()
                                                                             - t0)}
        out.write_text(json.dumps({"meta": meta, "results": results}, indent=1, default=str)
                       + "\n")
        (out.with_suffix(".md")).write_text(markdown(results, meta))
    print(markdown(results, meta))


if __name__ == "__main__":
    main()
