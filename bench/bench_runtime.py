"""podfit.runtime benchmark: requests lost at SIGTERM (plain vs podfit), import time, the
memory that ``--preload`` + ``gc.freeze()`` saves, and the default concurrency (issue 13):
capacity at the SLO of podfit.runtime's default vs one sync worker vs the profiled
recommendation, per example app, under a 1-CPU / 512Mi cgroup, side by side in one run.

Run: ``.venv/bin/python bench/bench_runtime.py [--rounds N]``. Everything targets 127.0.0.1,
is bounded in time, and stops the servers it starts by PID. Writes bench/results/runtime.json
and prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.net import free_port  # noqa: E402
from harness.runtime import (  # noqa: E402  # the path is set just above
    get,
    gunicorn_cmd,
    serve,
)
from harness.runtime_scenarios import SERVERS, run_drain  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "runtime.json"
EXAMPLES = ROOT / "examples"
#: The example apps by kind: what most web apps do (wait), pure CPU, and both.
APP_KINDS = {"I/O-bound": "profile-io", "CPU-bound": "profile-cpu", "mixed": "profile-mixed"}
CONF = "python:podfit.runtime.gunicorn_conf"


def _gunicorn(app: str, extra: list[str]) -> list[str]:
    return [str(Path(sys.executable).parent / "gunicorn"), "-c", CONF, "--chdir",
            str(EXAMPLES / app), "-b", "127.0.0.1:{port}", *extra, "app:app"]


def _profiled(app: str, workdir: Path) -> tuple[list[str], str]:
    """The recommendation ``podfit profile`` makes for ``app`` at 1 CPU, as gunicorn flags."""
    out = workdir / f"profile-{app}.json"
    proc = subprocess.run(
        [sys.executable, "-m", "podfit", "profile", "--no-progress", "-q", "--budget", "90s",
         "--format", "json", "-o", str(out), "--", str(Path(sys.executable).parent /
                                                        "gunicorn"), "--chdir",
         str(EXAMPLES / app), "app:app"], capture_output=True, text=True, timeout=400,
        check=False, cwd=ROOT)
    rec = json.loads(out.read_text())["recommendation"] if out.exists() else None
    if proc.returncode != 0 or not rec:
        return [], f"profile failed: {proc.stderr.strip()[-200:]}"
    label = f"{rec['workers']} x {rec['threads']} {rec['worker_class']}"
    return ["-w", str(rec["workers"]), "-k", rec["worker_class"], "--threads",
            str(rec["threads"])], label


def bench_concurrency(rounds: int, workdir: Path) -> dict[str, object]:
    """Capacity at the SLO per app and configuration, measured by podfit's own runner in a
    1-CPU / 512Mi cgroup; configurations interleaved round by round (ABCABC) so host drift
    hits all alike. Also 1 worker x N gthreads, the figures the default was chosen from."""
    from podfit.core.servers import ServerKind
    from podfit.profile import CgroupBackend, RunSettings
    from podfit.profile.cgroups import Limits
    from podfit.profile.runner import measure
    from podfit.profile.sandbox import guard_signals, load_driver
    from podfit.profile.server import ServerCommand
    from podfit.runtime.policy import DEFAULT_REQUEST_THREADS

    limits = Limits(1.0, 512 * 2**20)
    settings = RunSettings(warmup_s=1, duration_s=3, open_duration_s=2,
                           open_fractions=(0.5, 0.75, 0.9, 1.0))
    backend = CgroupBackend()
    rows: list[dict[str, object]] = []
    with guard_signals(), load_driver(None) as driver:
        for kind, app in APP_KINDS.items():
            flags, profiled = _profiled(app, workdir)
            configs = {f"default (podfit.runtime: gthread x {DEFAULT_REQUEST_THREADS})": [],
                       "one sync worker": ["-w", "1", "-k", "sync", "--threads", "1"]}
            if flags:
                configs[f"profiled ({profiled})"] = flags
            configs |= {f"1 x {t} gthread": ["-w", "1", "-k", "gthread", "--threads", str(t)]
                        for t in (2, 4, 8, 16, 32)}
            samples: dict[str, list[float]] = {name: [] for name in configs}
            closed: dict[str, list[float]] = {name: [] for name in configs}
            for round_ in range(rounds):
                for name, extra in configs.items():
                    if round_ and name.startswith("1 x "):
                        continue  # the thread sweep: one round is enough to choose from
                    # run as given ("other"): profile must not rewrite the flags compared
                    command = ServerCommand(ServerKind.OTHER, tuple(_gunicorn(app, extra)), (),
                                            preload=False)
                    run = measure(backend, command, workers=1, threads=1, limits=limits,
                                  settings=settings, driver=driver)
                    samples[name].append(run.capacity_rps if run.status == "ok" else 0.0)
                    closed[name].append(run.closed.rps if run.closed else 0.0)
                    print(f"  concurrency {kind:9} {name:40} {samples[name][-1]:7.1f} rps",
                          file=sys.stderr)
            base = statistics.median(samples["one sync worker"])
            base_closed = statistics.median(closed["one sync worker"])
            for name, values in samples.items():
                at_slo, most = statistics.median(values), statistics.median(closed[name])
                rows.append({
                    "app": kind, "example": app, "config": name, "samples": values,
                    "capacity_rps_at_slo": round(at_slo, 1),
                    "vs_one_sync_worker": round(at_slo / base, 2) if base else None,
                    "closed_loop_rps": round(most, 1),
                    "closed_vs_one_sync_worker": round(most / base_closed, 2)
                    if base_closed else None})
            if not flags:
                rows.append({"app": kind, "example": app, "config": profiled, "samples": [],
                             "capacity_rps_at_slo": None, "vs_one_sync_worker": None,
                             "closed_loop_rps": None, "closed_vs_one_sync_worker": None})
    return {"limits": "1 CPU, 512Mi (cgroup v1)", "slo_p99_ms": settings.slo_p99_s * 1000,
            "rounds": rounds, "rows": rows}


def bench_drain(rounds: int, workdir: Path) -> list[dict[str, object]]:
    rows = []
    for server in SERVERS:
        for podfit in (False, True):
            outs = [run_drain(server, podfit, workdir) for _ in range(rounds)]
            rows.append({
                "server": server, "setup": "podfit" if podfit else "plain", "rounds": rounds,
                "ok": sum(o.ok for o in outs), "lost": sum(o.lost for o in outs),
                "error_kinds": {k: sum(o.error_kinds.get(k, 0) for o in outs)
                                for k in sorted({k for o in outs for k in o.error_kinds})},
                "seconds_to_exit": statistics.median(o.seconds_to_exit for o in outs),
                "exit_codes": sorted({o.exit_code for o in outs}),
            })
            print(f"  drain {server:17} {rows[-1]['setup']:6} ok={rows[-1]['ok']} "
                  f"lost={rows[-1]['lost']}", file=sys.stderr)
    return rows


def import_us(module: str, before: str = "", runs: int = 25) -> float:
    """CPU microseconds to import ``module`` in a fresh interpreter (after ``before``), the
    minimum of ``runs``: CPU time and the minimum keep other jobs on shared cores out of it."""
    code = (f"import time\n{before}\nt = time.process_time()\nimport {module}\n"
            "print(time.process_time() - t)")
    values = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                   check=True).stdout) for _ in range(runs)]
    return round(min(values) * 1e6)


def bench_import() -> dict[str, float]:
    flask = "import flask"
    return {
        "podfit.runtime": import_us("podfit.runtime"),
        "podfit.runtime.limits": import_us("podfit.runtime.limits"),
        "podfit.runtime.policy": import_us("podfit.runtime.policy"),
        "podfit.runtime.middleware": import_us("podfit.runtime.middleware"),
        "podfit.runtime.middleware (after import flask)": import_us("podfit.runtime.middleware",
                                                                    flask),
        "json (stdlib, for scale)": import_us("json"),
    }


def smaps(pid: int) -> dict[str, int]:
    out = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        key, value = line.split(":", 1)
        out[key] = int(value.split()[0]) * 1024
    return out


def children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(p) for p in text.split()]


def bench_memory(workdir: Path, ballast: int = 400_000, workers: int = 4,
                 ) -> list[dict[str, object]]:
    variants = {
        "no preload (plain)": (["-w", str(workers)], False, {}),
        "--preload (gc on)": (["-w", str(workers), "--preload"], False, {}),
        "podfit (--preload + gc.freeze)": (["-w", str(workers)], True, {}),
    }
    rows = []
    for name, (extra, podfit, env_extra) in variants.items():
        port = free_port()
        env = {"APP_BALLAST": str(ballast), "PODFIT_METRICS": "0", **env_extra}
        cmd = gunicorn_cmd(port, *extra, "wsgi_app:app", podfit=podfit)
        with serve(cmd, env, workdir / f"mem-{len(rows)}.log", port) as srv:
            time.sleep(1.0)

            def hit(target: int = port) -> None:
                for _ in range(10):
                    get(target, "/gc", timeout=30)

            threads = [threading.Thread(target=hit) for _ in range(workers * 2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(120)
            time.sleep(0.5)
            pids = children(srv.proc.pid)
            per = [smaps(pid) for pid in pids]
            master = smaps(srv.proc.pid)
            private = [s["Private_Clean"] + s["Private_Dirty"] for s in per]
            rows.append({
                "variant": name, "workers": len(pids), "ballast_objects": ballast,
                "worker_private_mib_mean": round(statistics.mean(private) / 2**20, 1),
                "worker_shared_mib_mean": round(statistics.mean(
                    s["Shared_Clean"] + s["Shared_Dirty"] for s in per) / 2**20, 1),
                "total_pss_mib": round((master["Pss"] + sum(s["Pss"] for s in per)) / 2**20, 1),
            })
            print(f"  memory {name}: {rows[-1]}", file=sys.stderr)
    return rows


def concurrency_table(result: dict[str, object]) -> list[str]:
    data = result.get("concurrency")
    if not isinstance(data, dict):
        return []
    lines = ["", f"Capacity at the SLO (p99 <= {data['slo_p99_ms']:g} ms), {data['limits']}, "
             f"median of {data['rounds']} interleaved rounds (thread sweep: 1 round):", "",
             "| app | configuration | rps at SLO | x one sync worker | max rps (closed loop) | "
             "x one sync worker |", "|---|---|---:|---:|---:|---:|"]

    def cell(value: object) -> str:
        return "—" if value is None else str(value)

    for row in data["rows"]:
        lines.append(f"| {row['app']} | {row['config']} | {cell(row['capacity_rps_at_slo'])} | "
                     f"{cell(row['vs_one_sync_worker'])} | {cell(row.get('closed_loop_rps'))} "
                     f"| {cell(row.get('closed_vs_one_sync_worker'))} |")
    return lines


def table(result: dict[str, object]) -> str:
    lines = ["| server | setup | requests served | requests lost | how they failed |",
             "|---|---|---:|---:|---|"]
    for row in result["drain"]:  # type: ignore[attr-defined]
        kinds = ", ".join(f"{k} {v}" for k, v in row["error_kinds"].items()) or "—"
        lines.append(f"| {row['server']} | {row['setup']} | {row['ok']} | {row['lost']} | "
                     f"{kinds} |")
    lines += ["", "| import (CPU time, fresh process) | ms |", "|---|---:|"]
    for name, us in result["import_us"].items():  # type: ignore[attr-defined]
        lines.append(f"| `{name}` | {us / 1000:.1f} |")
    lines += ["", "| gunicorn, 4 workers | private MiB / worker | shared MiB / worker | "
              "total PSS MiB |", "|---|---:|---:|---:|"]
    for row in result["memory"]:  # type: ignore[attr-defined]
        lines.append(f"| {row['variant']} | {row['worker_private_mib_mean']} | "
                     f"{row['worker_shared_mib_mean']} | {row['total_pss_mib']} |")
    return "\n".join(lines + concurrency_table(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3,
                        help="drain runs per server and setup; interleaved concurrency rounds")
    parser.add_argument("--parts", default="drain,import,memory,concurrency",
                        help="comma-separated parts to (re)measure; others keep the saved "
                             "figures ('' re-renders the table only)")
    args = parser.parse_args()
    parts = set(filter(None, args.parts.split(",")))
    result: dict[str, object] = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    if parts or "machine" not in result:
        result["machine"] = {"python": platform.python_version(), "cpus": len(
            re.findall(r"^processor", Path("/proc/cpuinfo").read_text(), re.M)),
            "loadavg_at_start": Path("/proc/loadavg").read_text().split()[0]}
    with tempfile.TemporaryDirectory(prefix="podfit-bench-") as tmp:
        work = Path(tmp)
        if "drain" in parts:
            result["drain"] = bench_drain(args.rounds, work)
        if "import" in parts:
            result["import_us"] = bench_import()
        if "memory" in parts:
            result["memory"] = bench_memory(work)
        if "concurrency" in parts:
            result["concurrency"] = bench_concurrency(args.rounds, work)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    text = table(result)
    RESULTS.with_suffix(".md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
