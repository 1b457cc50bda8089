"""Writes a deterministic set of varied, realistic Python Dockerfiles for the check benchmark.

Each one is ``<out>/<nnn>/Dockerfile`` (checkov only reads files named ``Dockerfile``). The
mix follows what real Python repositories ship: official ``python`` bases in full, slim and
alpine flavours (some pinned, some not), Debian/Ubuntu bases with apt-installed Python,
multi-stage wheel builds, pip/poetry/uv/pipenv installs, gunicorn/uvicorn/celery/Django/Flask
commands in exec and shell form, entrypoint scripts, healthchecks, users, ARGs and labels —
with and without the classic mistakes.

Run: ``python bench/gen_dockerfiles.py OUT [--count 300] [--seed 7]``.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

PY_VERSIONS = ["3.9", "3.10", "3.11", "3.12", "3.13", "3.12.7", "3.11.10", "3"]
FLAVOURS = ["", "-slim", "-slim-bookworm", "-alpine", "-bookworm", "-alpine3.20", "-bullseye"]
APT_PACKAGES = ["build-essential", "libpq-dev", "gcc", "curl", "git", "libffi-dev",
                "libjpeg-dev", "default-libmysqlclient-dev", "pkg-config", "libxml2-dev",
                "gettext", "netcat-openbsd", "tini", "ca-certificates"]
APK_PACKAGES = ["build-base", "postgresql-dev", "libffi-dev", "musl-dev", "jpeg-dev",
                "zlib-dev", "curl", "tini"]
PIP_PACKAGES = ["gunicorn", "uvicorn[standard]", "psycopg2-binary", "celery", "redis",
                "django==5.1.2", "flask", "fastapi==0.115.0", "numpy", "pandas==2.2.3",
                "prometheus-client", "boto3", "requests==2.32.3", "sqlalchemy"]
APPS = {
    "flask": ("app:app", "flask"),
    "fastapi": ("main:app", "fastapi"),
    "django": ("mysite.wsgi:application", "django"),
    "celery": ("tasks", "celery"),
    "script": ("main.py", "script"),
}


def _base(rng: random.Random) -> tuple[str, bool]:
    """A FROM image and whether it is Alpine."""
    roll = rng.random()
    if roll < 0.78:
        flavour = rng.choice(FLAVOURS)
        tag = f"{rng.choice(PY_VERSIONS)}{flavour}"
        if rng.random() < 0.05:
            tag = "latest"
        image = f"python:{tag}"
        if rng.random() < 0.08:
            image += "@sha256:" + "".join(rng.choice("0123456789abcdef") for _ in range(64))
        return image, "alpine" in tag
    if roll < 0.88:
        return rng.choice(["ubuntu:22.04", "ubuntu:24.04", "debian:bookworm-slim",
                           "ubuntu"]), False
    if roll < 0.95:
        return rng.choice(["ghcr.io/astral-sh/uv:python3.12-bookworm-slim",
                           "tiangolo/uvicorn-gunicorn-fastapi:python3.11"]), False
    return rng.choice(["alpine:3.20", "alpine"]), True


def _system_packages(rng: random.Random, alpine: bool, apt_python: bool) -> list[str]:
    if alpine:
        pkgs = rng.sample(APK_PACKAGES, rng.randint(1, 4))
        if apt_python:
            pkgs += ["python3", "py3-pip"]
        cache = " --no-cache" if rng.random() < 0.6 else ""
        return [f"RUN apk add{cache} {' '.join(pkgs)}"]
    pkgs = rng.sample(APT_PACKAGES, rng.randint(1, 4))
    if apt_python:
        pkgs += ["python3", "python3-pip", "python3-venv"]
    recommends = " --no-install-recommends" if rng.random() < 0.5 else ""
    clean = " \\\n    && rm -rf /var/lib/apt/lists/*" if rng.random() < 0.55 else ""
    if rng.random() < 0.3:
        return ["RUN apt-get update", f"RUN apt-get install -y{recommends} {' '.join(pkgs)}"]
    return [f"RUN apt-get update \\\n    && apt-get install -y{recommends} \\\n"
            f"       {' '.join(pkgs)}{clean}"]


def _install(rng: random.Random, manager: str, pip: str) -> list[str]:
    no_cache = " --no-cache-dir" if rng.random() < 0.55 else ""
    if manager == "poetry":
        return [f"RUN {pip} install poetry==1.8.3",
                "COPY pyproject.toml poetry.lock ./",
                "RUN poetry config virtualenvs.create false \\\n"
                "    && poetry install --no-root --only main"
                + (" --no-interaction" if rng.random() < 0.5 else "")]
    if manager == "uv":
        return ["COPY --from=ghcr.io/astral-sh/uv:0.4.20 /uv /bin/uv",
                "COPY pyproject.toml uv.lock ./",
                "RUN --mount=type=cache,target=/root/.cache/uv uv sync --frozen --no-dev"
                if rng.random() < 0.5 else "RUN uv sync --frozen --no-dev"]
    if manager == "pipenv":
        return [f"RUN {pip} install pipenv", "COPY Pipfile Pipfile.lock ./",
                "RUN pipenv install --system --deploy"]
    if manager == "inline":
        pkgs = " ".join(rng.sample(PIP_PACKAGES, rng.randint(1, 5)))
        return [f"RUN {pip} install{no_cache} {pkgs}"]
    return ["COPY requirements.txt .",
            f"RUN {pip} install{no_cache} -r requirements.txt"]


def _command(rng: random.Random, kind: str, target: str) -> list[str]:
    port = rng.choice(["8000", "8080", "5000", "80"])
    workers = rng.choice(["4", "2", "$(nproc)", "${WEB_CONCURRENCY:-3}", "1"])
    exec_form = rng.random() < 0.6
    if kind in {"flask", "django"}:
        if rng.random() < 0.12:
            argv = (["flask", "run", "--host=0.0.0.0"] if kind == "flask" else
                    ["python", "manage.py", "runserver", f"0.0.0.0:{port}"])
        else:
            argv = ["gunicorn", "-w", workers, "-b", f"0.0.0.0:{port}", target]
            if rng.random() < 0.3:
                argv[1:1] = ["--threads", "4"]
            if rng.random() < 0.2:
                argv[1:1] = ["-c", "gunicorn.conf.py"]
    elif kind == "fastapi":
        if rng.random() < 0.5:
            argv = ["uvicorn", target, "--host", "0.0.0.0", "--port", port]
            if rng.random() < 0.3:
                argv += ["--workers", "4"]
        else:
            argv = ["gunicorn", "-k", "uvicorn.workers.UvicornWorker", "-w", workers, "-b",
                    f":{port}", target]
    elif kind == "celery":
        argv = ["celery", "-A", target, "worker", "-l", "info"]
        if rng.random() < 0.5:
            argv += ["--concurrency", rng.choice(["2", "4", "8"])]
    else:
        argv = ["python", target]
    if "$" in " ".join(argv):
        exec_form = False  # variables need a shell
    lines = []
    if kind not in {"celery", "script"}:
        lines.append(f"EXPOSE {port}")
    if rng.random() < 0.2:
        lines += ["COPY docker-entrypoint.sh /usr/local/bin/",
                  'ENTRYPOINT ["docker-entrypoint.sh"]']
    if exec_form:
        lines.append("CMD [" + ", ".join(f'"{a}"' for a in argv) + "]")
    elif rng.random() < 0.3:
        lines.append(f'CMD ["sh", "-c", "{" ".join(argv)}"]')
    else:
        lines.append("CMD " + " ".join(argv))
    return lines


def dockerfile(rng: random.Random) -> str:
    base, alpine = _base(rng)
    apt_python = not base.startswith(("python:", "ghcr.io", "tiangolo"))
    kind = rng.choice(list(APPS))
    target, _ = APPS[kind]
    manager = rng.choices(["requirements", "inline", "poetry", "uv", "pipenv"],
                          weights=[55, 15, 12, 12, 6])[0]
    pip = "pip3" if apt_python else rng.choice(["pip", "pip", "python -m pip"])
    lines: list[str] = []
    if rng.random() < 0.25:
        lines.append("# syntax=docker/dockerfile:1")
    if rng.random() < 0.2:
        lines.append(f"ARG PYTHON_VERSION={rng.choice(PY_VERSIONS)}")
        if base.startswith("python:"):
            base = "python:${PYTHON_VERSION}" + ("-slim" if rng.random() < 0.5 else "")
    multi = rng.random() < 0.3 and not apt_python
    if multi:
        lines += [f"FROM {base} AS builder", "WORKDIR /build"]
        lines += _system_packages(rng, alpine, False)
        lines += ["COPY requirements.txt .",
                  f"RUN {pip} wheel --wheel-dir /wheels -r requirements.txt", ""]
        final = base if rng.random() < 0.5 else base.replace("-alpine", "-slim")
        lines += [f"FROM {final}"]
    else:
        lines.append(f"FROM {base}")
    if rng.random() < 0.3:
        lines.append(f'LABEL maintainer="team{rng.randint(1, 40)}@example.com" '
                     f'org.opencontainers.image.source="https://example.com/app"')
    env = []
    if rng.random() < 0.55:
        env.append("PYTHONUNBUFFERED=1")
    if rng.random() < 0.4:
        env.append("PYTHONDONTWRITEBYTECODE=1")
    if rng.random() < 0.3:
        env.append("PIP_NO_CACHE_DIR=1")
    if env:
        if rng.random() < 0.5:
            lines.append("ENV " + " \\\n    ".join(env))
        else:
            lines += [f"ENV {e}" for e in env]
    lines.append(rng.choice(["WORKDIR /app", "WORKDIR /usr/src/app", "WORKDIR /code"]))
    if not multi and (apt_python or rng.random() < 0.45):
        lines += _system_packages(rng, alpine, apt_python)
    if multi:
        lines += ["COPY --from=builder /wheels /wheels",
                  f"RUN {pip} install --no-cache-dir /wheels/* && rm -rf /wheels"]
        lines.append("COPY . .")
    elif rng.random() < 0.3:
        lines.append("COPY . .")  # source before dependencies: no layer cache
        lines += _install(rng, manager, pip)
    else:
        lines += _install(rng, manager, pip)
        lines.append(rng.choice(["COPY . .", "COPY . /app", "COPY src/ ./src/",
                                 "ADD . /app"]))
    if kind == "django" and rng.random() < 0.5:
        lines.append("RUN python manage.py collectstatic --noinput")
    if rng.random() < 0.45:
        user = rng.choice(["app", "appuser", "nobody", "1000"])
        if user not in {"nobody", "1000"}:
            add = ("RUN addgroup -S app && adduser -S app -G app" if alpine else
                   f"RUN useradd --create-home --uid 1000 {user}")
            lines.append(add.replace("-S app -G app", f"-S {user} -G app"))
        lines.append(f"USER {user}")
    if rng.random() < 0.25:
        lines.append("HEALTHCHECK --interval=30s --timeout=3s "
                     "CMD curl -fsS http://localhost:8000/healthz || exit 1")
    lines += _command(rng, kind, target)
    return "\n".join(lines) + "\n"


def generate(out: Path, count: int = 300, seed: int = 7) -> list[Path]:
    rng = random.Random(seed)
    paths = []
    for index in range(count):
        folder = out / f"{index:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "Dockerfile"
        path.write_text(dockerfile(rng), encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    paths = generate(args.out, args.count, args.seed)
    print(f"wrote {len(paths)} Dockerfiles under {args.out}")


if __name__ == "__main__":
    main()
