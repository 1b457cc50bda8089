"""Render the two-stage Dockerfile and the ``.dockerignore`` for a Plan."""

from __future__ import annotations

import json
import shlex

from podfit.generate.appconfig import build_value
from podfit.generate.plan import UID, Plan
from podfit.generate.vendor import VENDOR_DIR

#: Debian package -> Alpine package(s), for the few build/runtime packages podfit knows.
ALPINE = {
    "gcc": "gcc", "libc6-dev": "musl-dev", "libpq-dev": "postgresql-dev", "libpq5": "libpq",
    "pkg-config": "pkgconf", "default-libmysqlclient-dev": "mariadb-dev",
    "libmariadb3": "mariadb-connector-c", "libcairo2-dev": "cairo-dev", "libcairo2": "cairo",
}

#: Shell prelude for steps that reach package indexes: use build secrets when they are given.
#: ``ca``: an extra CA bundle (TLS-inspecting proxies); ``pip.conf``/``netrc``: private indexes
#: and their credentials. Secrets are mounted for one RUN only and never stored in a layer.
SECRETS = (
    "--mount=type=secret,id=ca --mount=type=secret,id=pipconf,target=/etc/pip.conf "
    "--mount=type=secret,id=netrc,target=/root/.netrc"
)
TRUST = ('if [ -s /run/secrets/ca ]; then export PIP_CERT=/run/secrets/ca '
         'SSL_CERT_FILE=/run/secrets/ca REQUESTS_CA_BUNDLE=/run/secrets/ca; fi')
PIP_CACHE = "--mount=type=cache,target=/root/.cache/pip"

#: Turn Pipfile.lock's "default" section into hashed requirement lines, with no tool installed.
PIPFILE_LOCK = (
    "python3 -c 'import json; d=json.load(open(\"Pipfile.lock\"))[\"default\"]; "
    "print(\"\\n\".join(n+v[\"version\"]+(\" ; \"+v[\"markers\"] if v.get(\"markers\") "
    "else \"\")+\"\".join(\" --hash=\"+h for h in v.get(\"hashes\",[])) for n,v in d.items() "
    "if \"version\" in v))' > /tmp/requirements.txt"
)
#: poetry.lock's main group as hashed requirement lines: no Poetry (and its ~40 packages) in
#: the build. Lock format 2.1 has ``groups``; older locks have ``category``.
POETRY_LOCK = (
    "python3 -c 'import sys; "
    "t=__import__(\"tomllib\") if sys.version_info>=(3,11) else __import__(\"pip._vendor.tomli\","
    "fromlist=[\"x\"]); ps=t.load(open(\"poetry.lock\",\"rb\"))[\"package\"]; "
    "mk=lambda m: m if isinstance(m,str) else (m or {}).get(\"main\"); "
    "print(\"\\n\".join(p[\"name\"]+\"==\"+p[\"version\"]+(\" ; \"+mk(p.get(\"markers\")) "
    "if mk(p.get(\"markers\")) else \"\")+\"\".join(\" --hash=\"+f[\"hash\"] for f in "
    "p.get(\"files\",[])) for p in ps if \"main\" in p.get(\"groups\",[p.get(\"category\","
    "\"main\")])))' > /tmp/requirements.txt"
)
PYPROJECT_DEPS = (
    "python3 -c 'import sys; "
    "t=__import__(\"tomllib\") if sys.version_info>=(3,11) else __import__(\"pip._vendor.tomli\","
    "fromlist=[\"x\"]); print(\"\\n\".join(t.load(open(\"pyproject.toml\",\"rb\"))[\"project\"]"
    ".get(\"dependencies\",[])))' > /tmp/requirements.txt"
)


#: manager -> (exporter packages for a build-only tool venv, export command); ``None``: pip
#: reads the project's own requirements file (its ``-r``/``-c`` paths stay relative to it).
EXPORTERS: dict[str, tuple[str, str | None]] = {
    "requirements": ("", None),
    "pip-tools": ("", None),
    "pyproject": ("", PYPROJECT_DEPS),
    "pipenv": ("", PIPFILE_LOCK),
    "uv": ("'uv>=0.5'",
           "/opt/tools/bin/uv export --frozen --no-dev --no-emit-project --no-emit-workspace "
           "--format requirements-txt{package} -o /tmp/requirements.txt"),
    "poetry": ("", POETRY_LOCK),
    "pdm": ("'pdm>=2.12'", "/opt/tools/bin/pdm export --prod --format requirements "
            "--output /tmp/requirements.txt"),
}


def copy_lines(files: tuple[str, ...]) -> list[str]:
    """One COPY per directory: COPY with several sources flattens them into one folder."""
    by_dir: dict[str, list[str]] = {}
    for path in files:
        parent = path.rsplit("/", 1)[0] if "/" in path else ""
        by_dir.setdefault(parent, []).append(path)
    return [f"COPY {' '.join(paths)} ./{parent + '/' if parent else ''}"
            for parent, paths in by_dir.items()]


def plan_install_flags(plan: Plan) -> str:
    """Exported locks list every package already: ``--no-deps`` (pip 23 otherwise insists
    that every dependency of an extra is pinned again, and the export already has them)."""
    return "--no-deps " if plan.manager in ("uv", "poetry", "pdm", "pipenv") else ""


def _apt(packages: tuple[str, ...], alpine: bool) -> str:
    if alpine:
        names = " ".join(dict.fromkeys(ALPINE.get(p, p) for p in packages))
        return f"RUN apk add --no-cache {names}"
    return ("RUN apt-get update \\\n"
            f" && apt-get install -y --no-install-recommends {' '.join(packages)} \\\n"
            " && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin")


def _collectstatic(plan: Plan) -> list[str]:
    django = plan.config.django
    if django is None or not django.collectstatic:
        return []
    env = " ".join(f"{v.name}={shlex.quote(build_value(v))}" for v in plan.config.env)
    return [
        "# Static files at build time (a manifest storage answers 500 without them); the",
        "# settings' required variables get build-only values for this one step.",
        f"RUN cd /app && DJANGO_SETTINGS_MODULE={django.settings} {env} \\",
        "    python manage.py collectstatic --noinput --verbosity 0",
    ]


def _server_and_runtime(plan: Plan) -> list[str]:
    out: list[str] = []
    if plan.server_packages:
        pins = " ".join(f"'{p}'" for p in plan.server_packages)
        out += [
            "# Not in the app's dependencies but run by the CMD (or podfit.runtime's metrics):",
            "# pinned to the releases podfit is tested with.",
            f"RUN {PIP_CACHE} {SECRETS} \\",
            f"    {TRUST} \\",
            f" && pip install {pins}",
        ]
    if plan.runtime:
        out += [
            "# podfit.runtime (standard library only): `podfit init` copied its source into",
            f"# {VENDOR_DIR}/, so no index needs to have podfit. It sizes workers from the pod's",
            "# limits and serves probes, drain and metrics for the server config below.",
            f"COPY {plan.member + '/' if plan.member else ''}{VENDOR_DIR}/ /build/podfit-runtime/",
            "RUN cp -r /build/podfit-runtime/podfit \\",
            "    \"$(python3 -c 'import sysconfig; print(sysconfig.get_paths()[\"purelib\"])')\"/",
        ]
    else:
        out.append("# podfit.runtime is not in this image: the CMD imports nothing from podfit.")
    return out


def render_dockerfile(plan: Plan) -> str:
    alpine = plan.base == "alpine"
    distroless = plan.base == "distroless"
    tools, export = EXPORTERS[plan.manager]
    if export is not None:
        export = export.replace("{package}", f" --package {plan.workspace_package}"
                                if plan.member and plan.workspace_package else "")
    reqfile = "/tmp/requirements.txt" if export else "requirements.txt"
    workload = plan.web or plan.worker
    assert workload is not None
    lines = [
        f"# Written by `podfit init` for {plan.name}; `podfit init --explain` says why.",
        "# Build: docker build -t IMAGE .   (BuildKit; or: buildah build)",
        "# Private index / proxy CA: --secret id=pipconf,src=pip.conf --secret id=netrc,src=.netrc",
        "#   --secret id=ca,src=ca.pem   (secrets are mounted for one step, never stored)",
        "# Any registry or mirror: --build-arg BASE_IMAGE=<registry>/python:" + plan.python
        + "-slim-bookworm",
        f"ARG BASE_IMAGE={plan.base_image}",
    ]
    if distroless:
        lines.append(f"ARG BUILDER_IMAGE={plan.builder_image}")
    lines += ["", "# ---- runtime base: interpreter and the OS libraries the app loads ----"]
    build_from = "${BUILDER_IMAGE}" if distroless else "base"
    lines += [
        "FROM ${BASE_IMAGE} AS base",
        "ENV PYTHONUNBUFFERED=1 \\",
        "    PYTHONFAULTHANDLER=1 \\",
        "    PIP_DISABLE_PIP_VERSION_CHECK=1",
    ]
    if plan.runtime_packages:
        lines.append(_apt(plan.runtime_packages, alpine))
    if plan.libpython and not alpine and not distroless:
        lines += [
            "# uwsgi/mod_wsgi built from source link libpython: python:*-slim ships it, a",
            "# Debian-packaged interpreter needs libpython3.X installed.",
            "RUN ldconfig -p | grep -q \"$(python3 -c 'import sysconfig; "
            "print(sysconfig.get_config_var(\"INSTSONAME\"))')\" \\",
            " || { apt-get update && apt-get install -y --no-install-recommends \\",
            "      \"libpython$(python3 -c 'import sys; "
            "print(\"%d.%d\" % sys.version_info[:2])')\" \\",
            "      && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin; }",
        ]
    if not distroless:
        lines += [
            "# The official images delete the stdlib's .pyc; a read-only root filesystem cannot",
            "# write them back, so every start would recompile. Compile once here.",
            "RUN python3 -m compileall -q -j 0 -x '/(test|tests|idlelib|turtledemo)/' "
            "\"$(python3 -c 'import sysconfig; print(sysconfig.get_paths()[\"stdlib\"])')\"",
        ]
    lines += ["", "# ---- build: a virtualenv with the locked dependencies, then the app ----",
              f"FROM {build_from} AS build"]
    build_pkgs = plan.build_packages
    if distroless:
        build_pkgs = ("python3-venv", *build_pkgs)
    if build_pkgs:
        if not alpine and not distroless:
            # python:*-slim ships Python.h; a Debian-packaged interpreter needs python3-dev.
            lines.append(
                "RUN apt-get update \\\n"
                f" && extra=; [ -e \"$(python3 -c 'import sysconfig; print(sysconfig.get_paths()"
                "[\"include\"])')/Python.h\" ] || extra=python3-dev \\\n"
                f" && apt-get install -y --no-install-recommends {' '.join(build_pkgs)} $extra \\\n"
                " && apt-get clean && rm -rf /var/lib/apt/lists/*")
        else:
            lines.append(_apt(build_pkgs, alpine))
    if tools:
        lines += [
            "# The lock file's own tool exports it to hashed requirements (build stage only).",
            f"RUN {PIP_CACHE} {SECRETS} \\",
            f"    {TRUST} \\",
            f" && python3 -m venv /opt/tools && /opt/tools/bin/pip install --quiet {tools}",
        ]
    lines += [
        "ENV PATH=/opt/venv/bin:$PATH VIRTUAL_ENV=/opt/venv",
        "WORKDIR /build",
        "# Only the dependency files: this layer survives every source-only change.",
        *copy_lines(plan.dep_files),
        f"RUN {PIP_CACHE} {SECRETS} \\",
        f"    {TRUST} \\",
    ]
    if export:
        lines.append(f" && {export} \\")
    lines += [
        " && python3 -m venv /opt/venv \\",
        f" && pip install {plan_install_flags(plan)}-r {reqfile}",
    ]
    lines += _server_and_runtime(plan)
    lines += [
        "RUN pip uninstall --yes --quiet pip \\",
        " && python3 -m compileall -q -j 0 /opt/venv",
        f"COPY {plan.member + '/' if plan.member else '.'} /app",
    ]
    django = plan.config.django
    lines += _collectstatic(plan)
    lines += [
        "# Precompiled (hash-checked) bytecode: the app never writes .pyc at run time.",
        f"RUN rm -rf /app/{VENDOR_DIR} && python3 -m compileall -q -j 0 "
        "--invalidation-mode unchecked-hash /app",
        "",
        "# ---- final: base + venv + app; no compilers, caches or secrets ----",
        "FROM base",
        "WORKDIR /app",
    ]
    pythonpath = "/app/" + plan.src_dir if plan.src_dir else "/app"
    lines += [
        "ENV PATH=/opt/venv/bin:$PATH \\",
        "    VIRTUAL_ENV=/opt/venv \\",
        f"    PYTHONPATH={pythonpath} \\",
        "    HOME=/tmp",
    ]
    if django is not None:
        lines.append(f"ENV DJANGO_SETTINGS_MODULE={django.settings}")
    if workload.port:
        lines.append(f"EXPOSE {workload.port}")
    lines += [
        f"USER {UID}:{UID}",
        "CMD " + json.dumps(list(workload.command)),
        "# Last, so a source-only change rebuilds just these layers.",
        "COPY --from=build /opt/venv /opt/venv",
        "COPY --from=build /app /app",
    ]
    return "\n".join(lines) + "\n"


DOCKERIGNORE = (
    ".git", ".gitignore", ".hg", ".svn", "**/__pycache__", "**/*.py[cod]", "**/.pytest_cache",
    "**/.mypy_cache", "**/.ruff_cache", ".tox", ".nox", ".coverage", "htmlcov", "**/*.egg-info",
    "build", "dist", ".venv", "venv", "env", ".env", ".env.*", "*.env", ".python-version",
    "node_modules", ".idea", ".vscode", "**/.DS_Store", "Dockerfile*", ".dockerignore",
    "deploy", "compose*.y*ml", "docker-compose*", "*.pem", "*.key", ".netrc", "pip.conf",
    ".cache",
)


def render_dockerignore(plan: Plan) -> str:
    lines = ["# Written by `podfit init`: keeps the build context small and secrets out of it.",
             "# Defaults first, then the project's .gitignore."]
    lines += list(DOCKERIGNORE)
    extra = [p for p in map(_from_gitignore, plan.dockerignore_extra)
             if p not in DOCKERIGNORE and p not in ("wheels", "**/wheels")]
    if extra:
        lines += ["", "# from .gitignore", *extra]
    prefix = plan.member + "/" if plan.member else ""
    needed = [*plan.dep_files]
    if plan.runtime:
        needed.append(f"{prefix}.podfit/runtime")
    if plan.server == "gunicorn":
        needed.append(f"{prefix}gunicorn.conf.py")
    lines += ["", "# the build copies these: never excluded, whatever matches above",
              *(f"!{path}" for path in needed)]
    return "\n".join(lines) + "\n"


def _from_gitignore(pattern: str) -> str:
    """gitignore matches a slash-less name at any depth; .dockerignore only at the root."""
    core = pattern.rstrip("/")
    if core.startswith("/"):
        return core[1:]
    if "/" in core or core.startswith("**"):
        return core
    return "**/" + core
