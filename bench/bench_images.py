#!/usr/bin/env python3
"""Images ``podfit init`` writes vs a naive Dockerfile vs a docker-init-style single stage.

For each example app, on the same locally bootstrapped base, with the same installed packages
and the same command: image size (and its floor), cold build, rebuild after a source-only
change, rebuild after a dependency change, and container start-to-ready time.

    .venv/bin/python bench/bench_images.py [--examples flask-requirements,...] [--starts 3]

Writes bench/results/images.json (and .md) and prints a markdown table. Builds with BuildKit:
Debian's docker.io daemon, started privately by scripts/docker-daemon.sh (stopped again if
this run started it), on the debootstrapped base it imports.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BASE_TARBALL = Path("/var/cache/podfit/bookworm-python3.tar")
sys.path.insert(0, str(ROOT))

from harness import images as engine  # noqa: E402  (shared with the image tests)
from harness.images import copy_example, run_podfit  # noqa: E402

EXAMPLES = ("flask-requirements", "fastapi-uv", "django-poetry", "celery-worker", "pipenv-wsgi",
            "init-flask-flit", "init-fastapi-src", "init-dockerignore")
REQS = "bench-requirements.txt"
FREEZE = ("import importlib.metadata as m; print('\\n'.join(sorted(f'{d.name}=={d.version}' "
          "for d in m.distributions() if d.name not in ('pip', 'setuptools', 'wheel'))))")
SOURCE = {"flask-requirements": "app.py", "fastapi-uv": "src/shop/api.py",
          "django-poetry": "pages/views.py", "celery-worker": "tasks.py",
          "pipenv-wsgi": "wsgi.py", "init-flask-flit": "flaskr/__init__.py",
          "init-fastapi-src": "src/inventory/api.py", "init-dockerignore": "server.py"}
DEPFILE = {"flask-requirements": "requirements.txt", "fastapi-uv": "uv.lock",
           "django-poetry": "poetry.lock", "celery-worker": "pyproject.toml",
           "pipenv-wsgi": "Pipfile.lock", "init-flask-flit": "pyproject.toml",
           "init-fastapi-src": "pyproject.toml", "init-dockerignore": "requirements.txt"}

NAIVE = """\
ARG BASE_IMAGE
FROM ${{BASE_IMAGE}}
# what a "full" python image brings: compilers, headers, pip
RUN apt-get update && apt-get install -y python3-pip python3-venv python3-dev build-essential \
{apt}
WORKDIR /app
COPY . .
RUN --mount=type=secret,id=ca export PIP_CERT=/run/secrets/ca; python3 -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-deps -r {reqs}
ENV PATH=/opt/venv/bin:$PATH PYTHONPATH={pythonpath}
CMD {cmd}
"""
DOCKER_INIT = """\
ARG BASE_IMAGE
FROM ${{BASE_IMAGE}}
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
ARG UID=10001
RUN useradd --no-create-home --home-dir /nonexistent --shell /sbin/nologin --uid ${{UID}} appuser
{apt_line}
RUN python3 -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH PYTHONPATH={pythonpath}
RUN --mount=type=cache,target=/root/.cache/pip --mount=type=secret,id=ca \
    --mount=type=bind,source={reqs},target=/tmp/{reqs} \
    export PIP_CERT=/run/secrets/ca; \
    python -m pip install --no-deps -r /tmp/{reqs}
USER appuser
COPY . .
EXPOSE 8000
CMD {cmd}
"""


def _inspect(tag: str, key: str) -> Any:
    out = engine.run(["docker", "image", "inspect", tag, "--format", "{{json " + key + "}}"])
    return json.loads(out.stdout)


def _in_image(tag: str, *argv: str) -> str:
    return engine.run(["docker", "run", "--rm", "--entrypoint", argv[0], tag, *argv[1:]]).stdout


def _floor(tag: str) -> dict[str, int]:
    """Base image + installed runtime dependencies (venv, OS libraries) + the app."""
    base = engine.image_size(engine.BASE_IMAGE)
    venv = int(_in_image(tag, "du", "-sb", "/opt/venv").split()[0])
    app = int(_in_image(tag, "du", "-sb", "/app").split()[0])
    query = ["dpkg-query", "-W", "-f=${Package} ${Installed-Size}\\n"]
    before = dict(line.split() for line in _in_image(engine.BASE_IMAGE, *query).splitlines())
    after = dict(line.split() for line in _in_image(tag, *query).splitlines())
    libs = sum(int(size) * 1024 for pkg, size in after.items() if pkg not in before)
    return {"base": base, "venv": venv, "app": app, "os_libraries": libs,
            "total": base + venv + app + libs}


def _touch_source(project: Path, name: str, n: int) -> None:
    path = project / SOURCE[name]
    # unique per run: BuildKit's cache is content-addressed, an earlier run's edit would hit
    path.write_text(path.read_text() + f"\n# bench source change {n} {time.time_ns()}\n")


def _touch_deps(project: Path, variant: str, name: str, n: int) -> None:
    path = project / (DEPFILE[name] if variant == "podfit" else REQS)
    if path.suffix == ".lock" and path.name.startswith("Pipfile"):
        path.write_text(json.dumps(json.loads(path.read_text()), indent=2 + n % 2) + "\n")
    else:
        path.write_text(path.read_text() + f"\n# bench dependency change {n} {time.time_ns()}\n")


def _start_to_ready(tag: str, web: bool, env: dict[str, str], starts: int,
                    tmpfs: tuple[str, ...]) -> float:
    times = []
    for _ in range(starts):
        begin = time.monotonic()
        box = engine.start(tag, cpus=1, memory="512m", env=env, port=8000 if web else None,
                           read_only=False, tmpfs=tmpfs)
        try:
            if web:
                box.wait_ready("/readyz")
            else:
                box.wait_log("ready.")
            times.append(time.monotonic() - begin)
        finally:
            box.remove()
    return statistics.median(times)


def bench_example(name: str, work: Path, starts: int) -> dict[str, Any]:
    project = copy_example(name, work)
    done = run_podfit("init", project)
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    tag = {v: f"localhost/bench-{name}:{v}" for v in ("podfit", "naive", "init")}
    result: dict[str, Any] = {}

    # A cold build needs a cache that cannot hit, yet leaves layers for the rebuilds that
    # follow: a fresh import of the base tarball with a label of its own (a new image ID).
    base = f"localhost/bench-base:{name}"
    engine.run(["docker", "import", "--change", f"LABEL podfit.bench={time.time()}",
                "--change", 'CMD ["python3"]', str(BASE_TARBALL), base])
    cold = _build(project, tag["podfit"], "Dockerfile", base=base, cold=True)
    (project / REQS).write_text(_in_image(tag["podfit"], "python3", "-c", FREEZE))
    cmd = json.dumps(_inspect(tag["podfit"], ".Config.Cmd"))
    pythonpath = "/app/src" if (project / "src").is_dir() else "/app"
    # the same command needs podfit.runtime: naive images get init's copy on the path
    pythonpath += ":/app/.podfit/runtime"
    facts_apt = _apt_packages(project)
    (project / "Dockerfile.naive").write_text(NAIVE.format(
        apt=" ".join(facts_apt) + " && rm -rf /var/lib/apt/lists/*",
        reqs=REQS, pythonpath=pythonpath, cmd=cmd))
    apt_line = (f"RUN apt-get update && apt-get install -y --no-install-recommends "
                f"{' '.join(facts_apt)} && rm -rf /var/lib/apt/lists/*") if facts_apt else ""
    (project / "Dockerfile.init").write_text(DOCKER_INIT.format(
        apt_line=apt_line, reqs=REQS, pythonpath=pythonpath, cmd=cmd))
    colds = {"podfit": cold,
             "naive": _build(project, tag["naive"], "Dockerfile.naive", base=base, cold=True),
             "init": _build(project, tag["init"], "Dockerfile.init", base=base, cold=True)}
    files = {"podfit": "Dockerfile", "naive": "Dockerfile.naive", "init": "Dockerfile.init"}
    web = name != "celery-worker"
    tmpfs = _writable(project)
    env = {"PODFIT_DRAIN_SECONDS": "0"}
    for n, variant in enumerate(("podfit", "naive", "init")):
        _touch_source(project, name, n)
        source = _build(project, tag[variant], files[variant], base=base)
        _touch_deps(project, variant, name, n)
        deps = _build(project, tag[variant], files[variant], base=base)
        result[variant] = {
            "size_bytes": engine.image_size(tag[variant]),
            "cold_build_s": round(colds[variant], 1),
            "source_rebuild_s": round(source, 2),
            "dependency_rebuild_s": round(deps, 1),
            "start_to_ready_s": round(_start_to_ready(tag[variant], web, env, starts,
                                                      tmpfs), 2),
        }
    result["floor"] = _floor(tag["podfit"])
    podfit, naive = result["podfit"]["size_bytes"], result["naive"]["size_bytes"]
    result["podfit_over_floor"] = round(podfit / result["floor"]["total"] - 1, 3)
    result["podfit_smaller_than_naive"] = round(1 - podfit / naive, 3)
    return result


def _build(project: Path, tag: str, dockerfile: str, *, base: str, cold: bool = False) -> float:
    """BuildKit keys a local base by its layers, so a relabelled copy still hits the cache: a
    cold build is ``--no-cache`` (which still records its steps for the rebuilds after it)."""
    argv = ["docker", "build", "--network", "host", "-f", str(project / dockerfile),
            "--build-arg", f"BASE_IMAGE={base}", "--secret",
            f"id=ca,src={engine.HOST_CA}", "-t", tag, *(["--no-cache"] if cold else [])]
    start = time.monotonic()
    engine.run([*argv, str(project)])
    return time.monotonic() - start


def _writable(project: Path) -> tuple[str, ...]:
    """The folders the Deployment mounts an emptyDir on (Flask's instance folder…)."""
    from podfit.generate import InitOptions, build_plan, detect

    plan = build_plan(detect(project), InitOptions())
    return tuple(f"/app/{w.path}" for w in plan.config.writable)


def _apt_packages(project: Path) -> list[str]:
    from podfit.generate import InitOptions, build_plan, detect

    plan = build_plan(detect(project), InitOptions())
    return list(dict.fromkeys([*plan.build_packages, *plan.runtime_packages]))


def _fmt(value: float | None, digits: int) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def table(results: dict[str, Any]) -> str:
    mb = 1e6
    rows = ["| example | image | size MB | vs floor | cold build s | source rebuild s | "
            "dependency rebuild s | start-to-ready s |", "|---|---|---:|---:|---:|---:|---:|---:|"]
    for name, res in results.items():
        floor = res["floor"]["total"]
        for variant, label in (("podfit", "podfit init"), ("naive", "naive"),
                               ("init", "docker-init style")):
            r = res[variant]
            rows.append(f"| {name} | {label} | {r['size_bytes'] / mb:.0f} | "
                        f"{r['size_bytes'] / floor - 1:+.0%} | {_fmt(r['cold_build_s'], 0)} | "
                        f"{_fmt(r['source_rebuild_s'], 1)} | "
                        f"{_fmt(r['dependency_rebuild_s'], 0)} | "
                        f"{_fmt(r['start_to_ready_s'], 2)} |")
        rows.append(f"| {name} | *floor* | {floor / mb:.0f} | | | | | |")
    return "\n".join(rows)


def _save(output: Path, results: dict[str, Any]) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    payload = {"base_image": engine.BASE_IMAGE,
               "engine": "BuildKit (Debian docker.io 20.10, overlay2, runc)",
               "date": time.strftime("%Y-%m-%d"), "results": results}
    output.write_text(json.dumps(payload, indent=2) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", default=",".join(EXAMPLES))
    parser.add_argument("--starts", type=int, default=3, help="container starts per image")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "images.json")
    parser.add_argument("--merge", action="store_true",
                        help="keep other examples' results already in --output")
    args = parser.parse_args()
    reason = engine.unavailable()
    if reason:
        print(f"bench_images: {reason}", file=sys.stderr)
        return 2
    pid = engine.start_daemon()
    results: dict[str, Any] = {}
    if args.merge and args.output.exists():
        results = json.loads(args.output.read_text())["results"]
    try:
        with tempfile.TemporaryDirectory(prefix="podfit-bench-") as tmp:
            work = Path(tmp)
            for name in args.examples.split(","):
                print(f"bench_images: {name}", file=sys.stderr)
                results[name] = bench_example(name, work, args.starts)
                _save(args.output, results)  # after each example: a long run keeps it
    finally:
        if pid is not None:
            engine.stop_daemon(pid)
    text = table(results)
    args.output.with_suffix(".md").write_text(
        "# Images: podfit init vs naive vs docker-init style (BuildKit)\n\n"
        "`.venv/bin/python bench/bench_images.py`; sizes are uncompressed; *floor* = base + "
        "installed packages + OS libraries + app.\n\n" + text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
