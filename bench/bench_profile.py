"""Benchmark ``podfit profile`` on the example apps, side by side in one run.

For each app: (1) a full default profile (time and recommendation); (2) an exhaustive grid of
workers × threads measured the same way; then, from that grid, throughput at the SLO per CPU
and memory for the recommended configuration, the best configuration of the grid, gunicorn's
default (one sync worker) and ``2 × cpu_count() + 1`` workers with the node's CPUs.

Run as root: ``.venv/bin/python bench/bench_profile.py [--quick]``. Writes
bench/results/profile.json and prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import asdict
from pathlib import Path

from podfit.profile import (
    CgroupBackend,
    ModelSettings,
    RunResult,
    RunSettings,
    SweepSettings,
    run_profile,
)

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MI = 2**20
APPS = {
    "cpu": [str(BIN / "gunicorn"), "--chdir", str(ROOT / "examples/profile-cpu"), "app:app"],
    "io": [str(BIN / "gunicorn"), "--chdir", str(ROOT / "examples/profile-io"), "app:app"],
    "memory": [str(BIN / "gunicorn"), "--chdir", str(ROOT / "examples/profile-memory"),
               "app:app"],
    "async": [str(BIN / "uvicorn"), "--app-dir", str(ROOT / "examples/profile-async"),
              "app:app"],
}
NODE_DEFAULT = 2 * (os.cpu_count() or 1) + 1


def _row(run: RunResult | None) -> dict[str, object]:
    if run is None:
        return {"config": "-", "status": "not measured"}
    cpu = run.cpu_cores_at_capacity
    return {
        "config": f"{run.workers}w×{run.threads}t {run.worker_class}",
        "status": run.status,
        "capacity_rps": run.capacity_rps,
        "cpu_used": cpu,
        "rps_per_cpu": round(run.capacity_rps / cpu, 1) if cpu else 0.0,
        "memory_mib": round(run.memory_peak / MI),
    }


def bench_app(name: str, argv: list[str], quick: bool) -> dict[str, object]:
    backend = CgroupBackend()
    model = ModelSettings()
    started = time.monotonic()
    profile = run_profile(argv, backend, run=RunSettings(), grid=SweepSettings(), model=model)
    profile_s = time.monotonic() - started
    rec = profile.recommendation
    threads = (1,) if "uvicorn" in argv[0] else ((1, 4) if quick else (1, 2, 4, 8))
    workers = tuple(range(1, NODE_DEFAULT + 1))
    grid = SweepSettings(workers=workers, threads=threads, exhaustive=True, budget_s=1e9)
    started = time.monotonic()
    exhaustive = run_profile(argv, backend, run=RunSettings(), grid=grid, model=model)
    grid_s = time.monotonic() - started
    runs = list(exhaustive.runs)

    def find(w: int, t: int) -> RunResult | None:
        return next((r for r in runs if (r.workers, r.threads) == (w, t)), None)

    best = max(runs, key=lambda r: r.capacity_rps)
    recommended = find(rec.workers, rec.threads) if rec else None
    ratio = (recommended.capacity_rps / best.capacity_rps
             if recommended and best.capacity_rps else 0.0)
    return {
        "app": name,
        "profile_seconds": round(profile_s, 1),
        "profile_runs": len(profile.runs),
        "recommendation": rec.to_json() if rec else None,
        "grid_seconds": round(grid_s, 1),
        "grid_runs": len(runs),
        "recommended": _row(recommended),
        "best": _row(best),
        "gunicorn_default": _row(find(1, 1)),
        "cpu_count_default": _row(find(NODE_DEFAULT, 1)),
        "recommended_vs_best": round(ratio, 3),
        "grid": [asdict(r) for r in runs],
    }


def _markdown(results: list[dict[str, object]]) -> str:
    lines = ["| app | config | status | rps at SLO | CPU used | rps/CPU | memory MiB |",
             "|---|---|---|---:|---:|---:|---:|"]
    for result in results:
        for key, label in (("recommended", "recommended"), ("best", "best of grid"),
                           ("gunicorn_default", "1 sync worker"),
                           ("cpu_count_default", f"{NODE_DEFAULT} workers (2×cpu+1)")):
            row = result[key]
            assert isinstance(row, dict)
            lines.append(
                f"| {result['app']} | {label}: {row['config']} | {row['status']} | "
                f"{row.get('capacity_rps', 0):.0f} | {row.get('cpu_used', 0):.2f} | "
                f"{row.get('rps_per_cpu', 0):.0f} | {row.get('memory_mib', 0)} |")
    lines += ["", "| app | full profile | runs | recommended ÷ best | exhaustive grid |",
              "|---|---:|---:|---:|---:|"]
    lines += [f"| {r['app']} | {r['profile_seconds']} s | {r['profile_runs']} | "
              f"{r['recommended_vs_best']:.0%} | {r['grid_runs']} runs, {r['grid_seconds']} s |"
              for r in results]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="threads 1,4 only in the grid")
    parser.add_argument("--apps", default=",".join(APPS), help="comma-separated subset")
    args = parser.parse_args()
    results = []
    for name in args.apps.split(","):
        print(f"benchmarking {name}…", file=sys.stderr, flush=True)
        results.append(bench_app(name, APPS[name], args.quick))
    out = ROOT / "bench" / "results" / "profile.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"host": platform.node(), "cpus": os.cpu_count(), "python": platform.python_version(),
            "loadavg_at_end": os.getloadavg(), "date": time.strftime("%Y-%m-%d %H:%M:%S")}
    out.write_text(json.dumps({"meta": meta, "results": results}, indent=1) + "\n")
    print(_markdown(results))


if __name__ == "__main__":
    main()
