"""Fixtures for image rules (PF1xx): exact (path, line) expectations."""

from __future__ import annotations

from pathlib import Path

import pytest

from podfit.check.fixer import apply_text_edits
from tests.check.helpers import check_files, hits


@pytest.mark.parametrize(("dockerfile", "expected"), [
    ("FROM python\n", [1]),
    ("FROM python:latest\n", [1]),
    ("FROM python:3\n", [1]),
    ("FROM python:3.12-slim AS build\nFROM build\n", []),
    ("ARG BASE=python:3.12.7-slim\nFROM ${BASE}\n", []),
    ("ARG BASE=python\nFROM $BASE\n", [2]),
    ("FROM python@sha256:" + "a" * 64 + "\n", []),
    ("FROM scratch\n", []),
    ("FROM registry.local:5000/team/python\n", [1]),
    ("FROM registry.local:5000/team/python:3.12.1\n", []),
])
def test_pf101_unpinned_base_image(tmp_path: Path, dockerfile: str, expected: list[int]) -> None:
    found = hits(tmp_path, {"Dockerfile": dockerfile}, "PF101")
    assert found == [("Dockerfile", line) for line in expected]


def _df(tmp_path: Path, dockerfile: str, code: str, **extra: str) -> list[int]:
    files = {"Dockerfile": dockerfile, **{k.replace("__", "."): v for k, v in extra.items()}}
    return [line for path, line in hits(tmp_path, files, code) if path == "Dockerfile"]


@pytest.mark.parametrize(("dockerfile", "expected"), [
    ("FROM python:3.12.7\n", [1]),
    ("FROM python:3.12-bookworm\nCMD [\"python\"]\n", [1]),
    ("FROM docker.io/library/python:3.12.7\n", [1]),
    ("FROM python:3.12.7-slim\n", []),
    ("FROM python:3.12.7-alpine3.20\n", []),
    ("FROM python:3.12.7-slim-bookworm\n", []),
    # a full image in a builder stage is fine
    ("FROM python:3.12.7 AS build\nRUN pip wheel -w /w lxml==5.3.0\n"
     "FROM python:3.12.7-slim\nCOPY --from=build /w /w\n", []),
    # the final stage inherits the full image through a stage chain: report the FROM naming it
    ("FROM python:3.12.7 AS base\nRUN true\nFROM base AS final\nRUN true\n", [1]),
    ("ARG PY=3.12.7\nFROM python:${PY}\n", [2]),
    ("ARG PY=3.12.7\nFROM python:${PY}-slim\n", []),
    ("FROM python:${PY}\n", []),  # unknown: not judged
    ("FROM gcr.io/distroless/python3-debian12\n", []),
    ("FROM mypython:3.12\n", []),
    ("FROM ghcr.io/astral-sh/uv:python3.12-bookworm\n", [1]),
    ("FROM ghcr.io/astral-sh/uv:python3.12-bookworm-slim\n", []),
    ("FROM ghcr.io/astral-sh/uv:0.5.4\n", []),
])
def test_pf102_full_python_runtime_image(tmp_path: Path, dockerfile: str,
                                         expected: list[int]) -> None:
    assert _df(tmp_path, dockerfile, "PF102") == expected


@pytest.mark.parametrize(("files", "expected"), [
    # sdist-only package from the requirements file the stage installs
    ({"Dockerfile": "FROM python:3.12.7-alpine\nCOPY requirements.txt .\n"
      "RUN pip install --no-cache-dir -r requirements.txt\n",
      "requirements.txt": "flask==3.0.3\npsycopg2==2.9.10\n"}, [("Dockerfile", 1)]),
    # the -binary package has wheels
    ({"Dockerfile": "FROM python:3.12.7-alpine\nCOPY requirements.txt .\n"
      "RUN pip install --no-cache-dir -r requirements.txt\n",
      "requirements.txt": "psycopg2-binary==2.9.10\n"}, []),
    # grpcio alone is not certain; with apk compilers it is the corpus case
    ({"Dockerfile": "FROM python:3.12.7-alpine\nRUN pip install --no-cache-dir grpcio==1.66.1\n"},
     []),
    ({"Dockerfile": "FROM python:3.12.7-alpine AS base\n"
      "RUN apk add --no-cache g++ linux-headers\n"
      "COPY requirements.txt .\nRUN pip install -r requirements.txt\n",
      "requirements.txt": "grpcio==1.66.1\n"}, [("Dockerfile", 1)]),
    # compilers but no Python install: not this rule
    ({"Dockerfile": "FROM alpine:3.20\nRUN apk add --no-cache build-base\n"}, []),
    # Debian-based: not Alpine
    ({"Dockerfile": "FROM python:3.12.7-slim\nRUN pip install --no-cache-dir mysqlclient==2.2.4\n"},
     []),
    # package named in RUN, ARG-substituted base
    ({"Dockerfile": "ARG BASE=python:3.12.7-alpine\nFROM ${BASE}\n"
      "RUN pip install --no-cache-dir mysqlclient==2.2.4\n"}, [("Dockerfile", 2)]),
    # pyproject for `pip install .`; the one next to the Dockerfile wins
    ({"svc/Dockerfile": "FROM python:3.12.7-alpine\nCOPY . .\nRUN pip install --no-cache-dir .\n",
      "svc/pyproject.toml": "[project]\nname='svc'\nversion='1'\ndependencies=['torch==2.4.0']\n",
      "other/pyproject.toml": "[project]\nname='o'\nversion='1'\ndependencies=['flask']\n"},
     [("svc/Dockerfile", 1)]),
    ({"svc/Dockerfile": "FROM python:3.12.7-alpine\nCOPY . .\nRUN pip install --no-cache-dir .\n",
      "svc/pyproject.toml": "[project]\nname='svc'\nversion='1'\ndependencies=['flask']\n",
      "other/pyproject.toml": "[project]\nname='o'\nversion='1'\ndependencies=['torch']\n"},
     []),
    # requirements of another service are not this Dockerfile's
    ({"a/Dockerfile": "FROM python:3.12.7-alpine\nRUN pip install --no-cache-dir -r "
      "requirements.txt\n", "b/requirements.txt": "psycopg2==2.9.10\n"}, []),
    # a path inside the image: matched by file name, nearest directory first
    ({"docker/Dockerfile": "FROM python:3.12.7-alpine\nCOPY requirements.txt /srv/\n"
      "RUN pip install --no-cache-dir -r /srv/requirements.txt\n",
      "docker/requirements.txt": "psycopg2==2.9.10\n",
      "requirements.txt": "flask==3.0.3\n"}, [("docker/Dockerfile", 1)]),
    # a context at an ancestor directory
    ({"docker/Dockerfile": "FROM python:3.12.7-alpine\n"
      "RUN pip install --no-cache-dir -r deps/requirements-prod.txt\n",
      "deps/requirements-prod.txt": "mysqlclient==2.2.4\n"}, [("docker/Dockerfile", 1)]),
    # builder stage on Alpine is reported too (it is where the compiling happens)
    ({"Dockerfile": "FROM python:3.12.7-alpine AS build\nRUN apk add build-base\n"
      "RUN pip wheel -w /w uwsgi==2.0.26 && pip install -r requirements.txt\n"
      "FROM python:3.12.7-alpine\nCOPY --from=build /w /w\n"}, [("Dockerfile", 1)]),
])
def test_pf103_alpine_native_dependencies(tmp_path: Path, files: dict[str, str],
                                          expected: list[tuple[str, int]]) -> None:
    assert hits(tmp_path, files, "PF103") == expected


@pytest.mark.parametrize(("dockerfile", "expected"), [
    ("FROM python:3.12-slim\nRUN apt-get update && apt-get install -y --no-install-recommends "
     "gcc \\\n    libpq-dev && rm -rf /var/lib/apt/lists/*\n", [2]),
    ("FROM python:3.12-alpine\nRUN apk add --no-cache build-base\n", [2]),
    ("FROM python:3.12-alpine\nRUN apk add --no-cache --virtual .build musl-dev\n", [2]),
    ("FROM python:3.12-slim\nRUN apt-get install -y --no-install-recommends libpq5 curl\n", []),
    ("FROM python:3.12-slim\nRUN apt-get install -y udev\n", []),
    # only in the builder stage: fine
    ("FROM python:3.12-slim AS build\nRUN apt-get install -y build-essential\n"
     "FROM python:3.12-slim\nCOPY --from=build /venv /venv\n", []),
    # inherited through FROM base
    ("FROM python:3.12-slim AS base\nRUN apt-get install -y g++\nFROM base\nRUN true\n", [2]),
    # heredoc
    ("FROM python:3.12-slim\nRUN <<EOF\napt-get update\napt-get install -y gcc\nEOF\n", [2]),
    ("FROM python:3.12-slim\nRUN echo gcc\n", []),
    # removed in the same RUN: not shipped
    ("FROM python:3.12-alpine\nRUN apk add --no-cache --virtual .build-deps gcc musl-dev \\\n"
     "    && pip install --no-cache-dir -r r.txt && apk del .build-deps\n", []),
    ("FROM python:3.12-slim\nRUN apt-get install -y gcc libpq-dev && pip install -r r.txt "
     "&& apt-get purge -y --auto-remove gcc\n", [2]),
    ("FROM python:3.12-slim\nRUN apt-get -o Acquire::Retries=3 install -y g++\n", [2]),
])
def test_pf104_compilers_in_final_image(tmp_path: Path, dockerfile: str,
                                        expected: list[int]) -> None:
    assert _df(tmp_path, dockerfile, "PF104") == expected


@pytest.mark.parametrize(("dockerfile", "expected"), [
    ("FROM python:3.12-slim\nCOPY . .\nRUN pip install -r requirements.txt\n", [2]),
    ("FROM python:3.12-slim\nWORKDIR /app\nCOPY src/ /app/src\nRUN poetry install\n", [3]),
    ("FROM python:3.12-slim\nADD . /app\nRUN uv sync --frozen\n", [2]),
    ("FROM python:3.12-slim\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n"
     "COPY . .\n", []),
    ("FROM python:3.12-slim\nCOPY pyproject.toml poetry.lock ./\nRUN poetry install\n"
     "COPY . .\n", []),
    ("FROM python:3.12-slim\nCOPY pyproject.toml uv.lock wheels* ./\nRUN uv sync --frozen\n"
     "COPY . /app\n", []),
    ("FROM python:3.12-slim\nCOPY requirements/* ./\nRUN pip install -r prod.txt\n", []),
    ("FROM python:3.12-slim\nCOPY requirements/ requirements/\n"
     "RUN pip install -r requirements/prod.txt\nCOPY . .\n", []),
    # installing the project itself needs the source: not this rule
    ("FROM python:3.12-slim\nCOPY . .\nRUN pip install .\n", []),
    # a COPY --from is not the context
    ("FROM python:3.12-slim\nCOPY --from=build /app /app\nRUN pip install -r requirements.txt\n",
     []),
    # per stage: the source is copied in another stage
    ("FROM python:3.12-slim AS a\nCOPY . .\nFROM python:3.12-slim\n"
     "COPY requirements.txt .\nRUN pip install -r requirements.txt\n", []),
    # dependencies installed from bind mounts first, then the project: the uv pattern
    ("FROM python:3.12-slim\nRUN --mount=type=bind,source=uv.lock,target=uv.lock \\\n"
     "    --mount=type=bind,source=pyproject.toml,target=pyproject.toml \\\n"
     "    uv sync --locked --no-install-project\nCOPY . /app\nRUN uv sync --locked\n", []),
    ("FROM python:3.12-slim\nCOPY api ./api\nRUN pip install -r requirements.txt\n", [2]),
    ("FROM python:3.12-slim\nCOPY entrypoint /usr/local/bin/\nCOPY <<EOF /etc/x.conf\nx\nEOF\n"
     "RUN pip install -r requirements.txt\n", []),
    ("FROM python:3.12-slim\nCOPY manage.py .\nRUN pip install -r requirements.txt\n", [2]),
    ("FROM python:3.12-slim\nCOPY setup.py setup.cfg ./\nRUN pip install -r requirements.txt\n",
     []),
    # continuation lines
    ("FROM python:3.12-slim\nCOPY . /app\nRUN python -m pip install \\\n    -r /app/req.txt\n",
     [2]),
])
def test_pf105_source_before_dependencies(tmp_path: Path, dockerfile: str,
                                          expected: list[int]) -> None:
    assert _df(tmp_path, dockerfile, "PF105") == expected


@pytest.mark.parametrize(("dockerfile", "expected"), [
    ("FROM python:3.12-slim\nRUN pip install -r requirements.txt\n", [2]),
    ("FROM python:3.12-slim\nRUN pip install --no-cache-dir -r requirements.txt\n", []),
    ("FROM python:3.12-slim\nRUN pip --no-cache-dir install flask==3.0.3\n", []),
    ("FROM python:3.12-slim\nENV PIP_NO_CACHE_DIR=1\nRUN pip install -r r.txt\n", []),
    ("FROM python:3.12-slim\nARG PIP_NO_CACHE_DIR=1\nRUN pip install -r r.txt\n", []),
    ("FROM python:3.12-slim\nRUN PIP_NO_CACHE_DIR=1 pip install -r r.txt\n", []),
    ("FROM python:3.12-slim\nRUN export PIP_NO_CACHE_DIR=1 && pip install -r r.txt\n", []),
    # pip disables the cache for any boolean value, "off" included
    ("FROM python:3.12-slim\nENV PIP_NO_CACHE_DIR=off\nRUN pip install -r r.txt\n", []),
    ("FROM python:3.12-slim\nENV PIP_NO_CACHE_DIR=\nRUN pip install -r r.txt\n", [3]),
    ("FROM python:3.12-slim\nENV UV_NO_CACHE=0\nRUN uv sync\n", [3]),
    # cache mounts are the better answer (hadolint#497)
    ("FROM python:3.12-slim\nRUN --mount=type=cache,target=/root/.cache/pip "
     "pip install -r r.txt\n", []),
    ("FROM python:3.12-slim\nRUN --mount=type=cache,target=/root/.cache "
     "pip install -r r.txt\n", []),
    ("FROM python:3.12-slim\nENV PIP_CACHE_DIR=/pipcache\nRUN --mount=type=cache,"
     "target=/pipcache pip install -r r.txt\n", []),
    ("FROM python:3.12-slim\nRUN --mount=type=bind,source=r.txt,target=/r.txt "
     "pip install -r /r.txt\n", [2]),
    ("FROM python:3.12-slim\nRUN pip install -r r.txt && rm -rf /root/.cache/pip\n", []),
    ("FROM python:3.12-slim\nRUN pip install -r r.txt && pip cache purge\n", []),
    ("FROM python:3.12-slim\nENV POETRY_CACHE_DIR=/tmp/pc\nRUN poetry install && rm -rf /tmp/pc\n",
     []),
    ("FROM python:3.12-slim\nRUN poetry install && rm -rf $POETRY_CACHE_DIR\n", []),
    # an apt cache cleanup does not clear pip's
    ("FROM python:3.12-slim\nRUN pip install -r r.txt && rm -rf /var/cache/apt/*\n", [2]),
    # options before the subcommand
    ("FROM python:3.12-slim\nRUN uv --directory /app sync --frozen\n", [2]),
    # builder stages do not ship their cache
    ("FROM python:3.12-slim AS build\nRUN pip install -r r.txt\nFROM python:3.12-slim\n"
     "COPY --from=build /venv /venv\n", []),
    # uv and poetry
    ("FROM python:3.12-slim\nRUN uv sync --frozen\n", [2]),
    ("FROM python:3.12-slim\nRUN uv pip install --system -r r.txt\n", [2]),
    ("FROM python:3.12-slim\nRUN uv sync --frozen --no-cache\n", []),
    ("FROM python:3.12-slim\nENV UV_NO_CACHE=1\nRUN uv sync --frozen\n", []),
    ("FROM python:3.12-slim\nRUN --mount=type=cache,target=/root/.cache/uv uv sync\n", []),
    ("FROM python:3.12-slim\nRUN poetry install --no-root\n", [2]),
    ("FROM python:3.12-slim\nRUN poetry install --no-root --no-cache\n", []),
    # heredoc and continuation
    ("FROM python:3.12-slim\nRUN <<EOF\nset -e\npip install -r r.txt\nEOF\n", [2]),
    ("FROM python:3.12-slim\nRUN python3 -m pip install \\\n    -r r.txt\n", [2]),
    ("FROM python:3.12-slim\nRUN [\"pip\", \"install\", \"-r\", \"r.txt\"]\n", [2]),
    ("FROM python:3.12-slim\nRUN [\"/bin/sh\", \"-c\", \"pip install -r r.txt\"]\n", [2]),
    ("FROM python:3.12-slim\nRUN [\"sh\", \"-c\", \"pip install --no-cache-dir -r r.txt\"]\n",
     []),
])
def test_pf106_package_cache_in_layer(tmp_path: Path, dockerfile: str,
                                      expected: list[int]) -> None:
    assert _df(tmp_path, dockerfile, "PF106") == expected


@pytest.mark.parametrize(("dockerfile", "expected"), [
    ("FROM python:3.12-slim\nRUN pip install flask\n", [2]),
    ("FROM python:3.12-slim\nRUN pip install 'flask>=3' 'uv~=0.5' \"a<2\"\n", []),
    ("FROM python:3.12-slim\nRUN pip install 'flask[async]' gunicorn==23.0.0\n", [2]),
    ("FROM python:3.12-slim\nRUN pip install flask==3.0.3 gunicorn==23.0.0\n", []),
    ("FROM python:3.12-slim\nRUN pip install -r requirements.txt\n", []),
    ("FROM python:3.12-slim\nRUN pip install -c constraints.txt flask\n", []),
    ("FROM python:3.12-slim\nRUN pip install --require-hashes flask\n", []),
    ("FROM python:3.12-slim\nENV PIP_CONSTRAINT=/c.txt\nRUN pip install flask\n", []),
    ("FROM python:3.12-slim\nRUN pip install . && pip install -e . && pip install /w/x.whl\n",
     []),
    ("FROM python:3.12-slim\nRUN pip install --upgrade pip setuptools wheel\n", []),
    ("FROM python:3.12-slim\nRUN pip install --index-url https://x/simple flask==3.0.3\n", []),
    ("FROM python:3.12-slim\nRUN pip install 'pkg @ https://x/pkg.whl'\n", []),
    ("FROM python:3.12-slim\nRUN uv pip install --system uv\n", [2]),
    ("FROM python:3.12-slim AS build\nRUN pip install poetry\nFROM python:3.12-slim\n", [2]),
    ("FROM python:3.12-slim\nRUN apt-get install -y flask\n", []),
    ("FROM python:3.12-slim\nARG PKG=flask\nRUN pip install $PKG\n", []),
])
def test_pf107_unpinned_pip_install(tmp_path: Path, dockerfile: str,
                                    expected: list[int]) -> None:
    assert _df(tmp_path, dockerfile, "PF107") == expected


@pytest.mark.parametrize(("dockerfile", "expected"), [
    ("FROM python:3.12-slim\nRUN apt-get update && apt-get install -y curl\n", [2]),
    ("FROM python:3.12-slim\nRUN apt-get -y install curl\n", [2]),
    ("FROM python:3.12-slim\nRUN apt install -y curl\n", [2]),
    ("FROM python:3.12-slim\nRUN apt-get install -y --no-install-recommends curl\n", []),
    ("FROM python:3.12-slim\nRUN apt-get install -o APT::Install-Recommends=false -y curl\n", []),
    ("FROM python:3.12-slim AS build\nRUN apt-get install -y gcc\nFROM python:3.12-slim\n", []),
    ("FROM python:3.12-slim\nRUN apt-get update \\\n && apt-get install -y \\\n    curl\n", [2]),
    ("FROM python:3.12-slim\nRUN apt-get update && apt-get upgrade -y\n", []),
])
def test_pf108_apt_install_recommends(tmp_path: Path, dockerfile: str,
                                      expected: list[int]) -> None:
    assert _df(tmp_path, dockerfile, "PF108") == expected


@pytest.mark.parametrize(("dockerfile", "expected"), [
    ("FROM python:3.12-slim\nRUN apt-get update && apt-get install -y --no-install-recommends "
     "curl\n", [2]),
    ("FROM python:3.12-slim\nRUN apt-get update\nRUN apt-get install -y curl "
     "&& rm -rf /var/lib/apt/lists/*\n", [2]),
    ("FROM python:3.12-slim\nRUN apt-get update && apt-get install -y curl \\\n"
     "    && rm -rf /var/lib/apt/lists/*\n", []),
    ("FROM python:3.12-slim\nRUN --mount=type=cache,target=/var/lib/apt,sharing=locked \\\n"
     "    --mount=type=cache,target=/var/cache/apt apt-get update && apt-get install -y curl\n",
     []),
    ("FROM python:3.12-slim\nRUN --mount=type=cache,target=/var/cache/apt \\\n"
     "    apt-get update && apt-get install -y curl\n", [2]),
    ("FROM python:3.12-slim\nRUN <<EOF\napt-get update\napt-get install -y curl\n"
     "rm -rf /var/lib/apt/lists/*\nEOF\n", []),
    ("FROM python:3.12-slim\nRUN <<EOF\napt-get update\napt-get install -y curl\nEOF\n", [2]),
    ("FROM python:3.12-slim AS build\nRUN apt-get update\nFROM python:3.12-slim\n", []),
])
def test_pf109_apt_lists_in_layer(tmp_path: Path, dockerfile: str,
                                  expected: list[int]) -> None:
    assert _df(tmp_path, dockerfile, "PF109") == expected


@pytest.mark.parametrize(("dockerfile", "expected"), [
    ("FROM python:3.12-slim\nRUN a\nRUN b\nRUN c\n", [2]),
    ("FROM python:3.12-slim\nRUN a\nRUN b\n", []),
    ("FROM python:3.12-slim\nRUN a\nRUN b\nENV X=1\nRUN c\nRUN d\n", []),
    # reported once per sequence, continuation lines and comments inside
    ("FROM python:3.12-slim\nRUN a \\\n  && b\n# comment\nRUN c\nRUN d\nRUN e\nCOPY . .\n"
     "RUN f\nRUN g\nRUN h\n", [2, 9]),
    ("FROM python:3.12-slim\nRUN <<EOF\na\nEOF\nRUN b\nRUN c\n", [2]),
    ("FROM python:3.12-slim AS build\nRUN a\nRUN b\nRUN c\nFROM python:3.12-slim\n", []),
])
def test_pf110_mergeable_run_layers(tmp_path: Path, dockerfile: str,
                                    expected: list[int]) -> None:
    assert _df(tmp_path, dockerfile, "PF110") == expected


@pytest.mark.parametrize(("dockerfile", "expected"), [
    ("FROM python:3.12-slim\nENV DB_PASSWORD=hunter2\n", [2]),
    ("FROM python:3.12-slim\nENV API_KEY hunter2\n", [2]),
    ("FROM python:3.12-slim\nARG GITHUB_TOKEN\nRUN true\n", [2]),
    ("ARG NPM_TOKEN\nFROM python:3.12-slim\n", [1]),
    ("FROM python:3.12-slim\nENV AWS_SECRET_ACCESS_KEY=abc AWS_REGION=eu-west-1\n", [2]),
    ("FROM python:3.12-slim\nARG PIP_EXTRA_INDEX_URL=https://u:p4ss@pypi.example.com/simple\n",
     [2]),
    ("FROM python:3.12-slim\nENV DATABASE_URL=postgres://app:pw@db/app\n", [2]),
    ("FROM python:3.12-slim\nENV PIP_INDEX_URL=https://pypi.example.com/simple\n", []),
    ("FROM python:3.12-slim\nENV DATABASE_URL=postgres://app:${DB_PASSWORD}@db/app\n", []),
    ("FROM python:3.12-slim\nENV TOKEN_URL=https://auth.example.com/token\n", []),
    ("FROM python:3.12-slim\nENV SECRET_KEY_FILE=/run/secrets/key\n", []),
    ("FROM python:3.12-slim\nENV GOOGLE_APPLICATION_CREDENTIALS=/secrets/sa.json\n", []),
    ("FROM python:3.12-slim\nENV DJANGO_SECRET_KEY=\"\"\n", []),
    ("FROM python:3.12-slim\nENV PASSWORD_MIN_LENGTH=12\n", []),
    ("FROM python:3.12-slim\nENV PYTHONUNBUFFERED=1\n", []),
    ("FROM python:3.12-slim\nENV TOKENIZERS_PARALLELISM=false\n", []),
    ("FROM python:3.12-slim\nENV ACCESS_TOKEN_EXPIRE_MINUTES=30 USE_TOKEN=true\n", []),
    ("FROM python:3.12-slim\nENV SECRET_KEY=$SECRET_KEY\n", []),
    ("FROM python:3.12-slim\nARG SECRET_KEY\nENV SECRET_KEY=${SECRET_KEY}\n", [2, 3]),
    ("FROM python:3.12-slim\nENV HF_TOKEN=hf_abc GHTOKEN=x\n", [2, 2]),
    ("FROM python:3.12-slim\nARG CI_JOB_TOKEN=\"\"\n", [2]),
    ("FROM python:3.12-slim\nENV AUTH_TOKEN_TTL=3600 SECRETS_DIR=/run/secrets\n", []),
    ("FROM python:3.12-slim\nENV \\\n  APP=1 \\\n  SECRET_KEY=dev\n", [2]),
])
def test_pf111_secret_in_env_or_arg(tmp_path: Path, dockerfile: str,
                                    expected: list[int]) -> None:
    assert _df(tmp_path, dockerfile, "PF111") == expected


@pytest.mark.parametrize(("dockerfile", "expected"), [
    ("FROM python:3.12-slim\nADD . /app\n", [2]),
    ("FROM python:3.12-slim\nADD --chown=10001 requirements.txt app.py /app/\n", [2]),
    ("FROM python:3.12-slim\nADD https://example.com/x.tgz /tmp/\n", []),
    ("FROM python:3.12-slim\nADD --checksum=sha256:" + "a" * 64 + " https://x/y /y\n", []),
    ("FROM python:3.12-slim\nADD git@github.com:org/repo.git /src\n", []),
    ("FROM python:3.12-slim\nADD vendor.tar.gz /opt/\n", []),
    ("FROM python:3.12-slim\nCOPY . /app\n", []),
])
def test_pf112_add_instead_of_copy(tmp_path: Path, dockerfile: str,
                                   expected: list[int]) -> None:
    assert _df(tmp_path, dockerfile, "PF112") == expected


def test_pf117_entrypoint_script(tmp_path: Path) -> None:
    files = {"Dockerfile": "FROM python:3.12-slim\nCOPY entrypoint.sh /\n"
             "ENTRYPOINT [\"/entrypoint.sh\"]\n",
             "entrypoint.sh": "#!/bin/sh\nset -e\npython manage.py migrate\n"
             "exec poetry run gunicorn app:app\n"}
    assert hits(tmp_path / "a", files, "PF117") == [("entrypoint.sh", 4)]
    files["entrypoint.sh"] = "#!/bin/sh\nexec gunicorn app:app\n"
    assert hits(tmp_path / "b", files, "PF117") == []


def test_pf102_suggests_the_slim_variant(tmp_path: Path) -> None:
    result = check_files(tmp_path, {"Dockerfile": "FROM python:3.12-bookworm\n"}, ("PF102",))
    assert "'python:3.12-slim-bookworm'" in result.findings[0].message


def test_pf113_context_not_ignored(tmp_path: Path) -> None:
    base = "FROM python:3.12-slim\nCOPY . /app\n"
    assert hits(tmp_path / "a", {"Dockerfile": base, ".env": "X=1\n"}, "PF113") == [
        ("Dockerfile", 1)]
    assert hits(tmp_path / "b", {"Dockerfile": base, ".env": "X=1\n",
                                 ".dockerignore": "**/.env\n"}, "PF113") == []
    assert hits(tmp_path / "c", {"Dockerfile": base, ".venv/pyvenv.cfg": "x\n",
                                 ".env": "X=1\n", ".dockerignore": ".env\n"}, "PF113") == [
        ("Dockerfile", 1)]
    assert hits(tmp_path / "d", {"Dockerfile": base, "app.py": "x\n"}, "PF113") == []
    # a negation re-includes
    assert hits(tmp_path / "e", {"Dockerfile": base, ".env": "X=1\n",
                                 ".dockerignore": "*\n!.env\n"}, "PF113") == [("Dockerfile", 1)]
    # per directory
    assert hits(tmp_path / "f", {"svc/Dockerfile": base, "svc/node_modules/x.js": "x\n",
                                 ".dockerignore": "node_modules\n"}, "PF113") == [
        ("svc/Dockerfile", 1)]


@pytest.mark.parametrize(("dockerfile", "expected"), [
    ("FROM python:3.12-slim\nCMD [\"python\"]\n", [1]),
    ("FROM python:3.12-slim\nUSER 10001\n", []),
    ("FROM python:3.12-slim\nUSER app:app\n", []),
    ("FROM python:3.12-slim\nUSER 10001\nRUN true\nUSER root\n", [4]),
    ("FROM python:3.12-slim\nUSER 0:0\n", [2]),
    ("FROM python:3.12-slim AS base\nUSER 10001\nFROM base\nRUN true\n", []),
    ("FROM python:3.12-slim AS build\nUSER 10001\nFROM python:3.12-slim\nCOPY --from=build / /\n",
     [3]),
    ("FROM gcr.io/distroless/python3-debian12:nonroot\n", []),
    ("FROM scratch\n", []),
    ("ARG UID=0\nFROM python:3.12-slim\nUSER ${UID}\n", [3]),
])
def test_pf114_image_runs_as_root(tmp_path: Path, dockerfile: str,
                                  expected: list[int]) -> None:
    assert _df(tmp_path, dockerfile, "PF114") == expected


@pytest.mark.parametrize(("dockerfile", "expected"), [
    ("FROM python:3.12-slim\nENV PYTHONDONTWRITEBYTECODE=1\n", [2]),
    ("FROM python:3.12-slim\nENV PYTHONUNBUFFERED=1 \\\n    PYTHONDONTWRITEBYTECODE=1\n", [2]),
    ("FROM python:3.12-slim\nENV PYTHONDONTWRITEBYTECODE 0\n", [2]),
    ("FROM python:3.12-slim\nENV PYTHONDONTWRITEBYTECODE=\n", []),
    ("FROM python:3.12-slim\nENV PYTHONDONTWRITEBYTECODE=1\nCOPY . /app\n"
     "RUN python -m compileall -q /app\n", []),
    ("FROM python:3.12-slim AS build\nENV PYTHONDONTWRITEBYTECODE=1\nFROM python:3.12-slim\n",
     []),
    ("FROM python:3.12-slim AS base\nENV PYTHONDONTWRITEBYTECODE=1\nFROM base\n", [2]),
])
def test_pf115_dont_write_bytecode(tmp_path: Path, dockerfile: str,
                                   expected: list[int]) -> None:
    assert _df(tmp_path, dockerfile, "PF115") == expected


@pytest.mark.parametrize(("dockerfile", "expected"), [
    ("FROM python:3.12-slim\nRUN uv sync --frozen --no-cache\n", [2]),
    ("FROM python:3.12-slim\nRUN uv pip install --system --no-cache -r r.txt\n", [2]),
    ("FROM python:3.12-slim\nRUN uv sync --frozen --no-cache --compile-bytecode\n", []),
    ("FROM python:3.12-slim\nENV UV_COMPILE_BYTECODE=1\nRUN uv sync --no-cache\n", []),
    ("FROM python:3.12-slim\nRUN uv sync --no-cache && python -m compileall -q /app/.venv\n",
     []),
    ("FROM python:3.12-slim\nRUN uv sync --no-cache\nRUN python -m compileall /app/.venv\n", []),
    ("FROM python:3.12-slim\nRUN uv sync --no-cache\nRUN /venv/bin/python3 -OO -m compileall /a\n",
     []),
    ("FROM python:3.12-slim\nRUN uv sync --no-cache\nRUN echo compileall\n", [2]),
    # built in a builder whose venv is copied: reported on the builder's RUN
    ("FROM python:3.12-slim AS build\nRUN uv sync --no-cache\nFROM python:3.12-slim\n"
     "COPY --from=build /app/.venv /app/.venv\n", [2]),
    ("FROM python:3.12-slim AS build\nRUN uv sync --no-cache\nFROM python:3.12-slim\n"
     "COPY --from=build /app/.venv /app/.venv\nRUN python -m compileall /app/.venv\n", []),
    # the copied builder is built FROM a stage that installed
    ("FROM python:3.12-slim AS deps\nRUN uv sync --no-cache\nFROM deps AS build\nRUN true\n"
     "FROM python:3.12-slim\nCOPY --from=build /app /app\n", [2]),
    ("FROM python:3.12-slim AS build\nRUN uv sync --no-cache\nRUN python -m compileall /app\n"
     "FROM python:3.12-slim\nCOPY --from=build /app /app\n", []),
    # a builder that is not copied from does not count
    ("FROM python:3.12-slim AS test\nRUN uv sync --no-cache\nFROM python:3.12-slim\n", []),
    ("FROM python:3.12-slim\nRUN pip install --no-cache-dir --no-compile -r r.txt\n", [2]),
    ("FROM python:3.12-slim\nRUN pip install --no-cache-dir -r r.txt\n", []),
])
def test_pf116_dependencies_without_bytecode(tmp_path: Path, dockerfile: str,
                                             expected: list[int]) -> None:
    assert _df(tmp_path, dockerfile, "PF116") == expected


@pytest.mark.parametrize(("dockerfile", "expected"), [
    ("FROM python:3.12-slim\nCMD [\"uv\", \"run\", \"gunicorn\", \"app:app\"]\n", [2]),
    ("FROM python:3.12-slim\nCMD poetry run uvicorn app:app\n", [2]),
    ("FROM python:3.12-slim\nENTRYPOINT [\"pipenv\", \"run\"]\nCMD [\"python\", \"app.py\"]\n",
     [3]),
    ("FROM python:3.12-slim\nCMD [\"sh\", \"-c\", \"exec pdm run gunicorn app:app\"]\n", [2]),
    ("FROM python:3.12-slim\nCMD [\"gunicorn\", \"app:app\"]\n", []),
    ("FROM python:3.12-slim\nCMD [\"uvx\", \"--from\", \"x\", \"gunicorn\"]\n", [2]),
    ("FROM python:3.12-slim\nCMD pipx run gunicorn app:app\n", [2]),
    ("FROM python:3.12-slim\nCMD [\"uv\", \"run\", \"--frozen\", \"gunicorn\", \"app:app\"]\n",
     [2]),
    ("FROM python:3.12-slim\nRUN uv run python -m compileall .\nCMD [\"python\", \"app.py\"]\n",
     []),
    ("FROM python:3.12-slim AS dev\nCMD [\"uv\", \"run\", \"app\"]\nFROM python:3.12-slim\n"
     "CMD [\"app\"]\n", []),
])
def test_pf117_package_runner_at_runtime(tmp_path: Path, dockerfile: str,
                                         expected: list[int]) -> None:
    assert _df(tmp_path, dockerfile, "PF117") == expected


@pytest.mark.parametrize(("code", "before", "after"), [
    ("PF106", "FROM python:3.12-slim\nRUN pip install -r r.txt\n",
     "FROM python:3.12-slim\nRUN pip install --no-cache-dir -r r.txt\n"),
    ("PF106", "FROM python:3.12-slim\nRUN python -m pip install \\\n    -r r.txt\n",
     "FROM python:3.12-slim\nRUN python -m pip install --no-cache-dir \\\n    -r r.txt\n"),
    ("PF106", "FROM python:3.12-slim\nRUN uv sync --frozen\n",
     "FROM python:3.12-slim\nRUN uv sync --no-cache --frozen\n"),
    ("PF108", "FROM python:3.12-slim\nRUN apt-get update \\\n && apt-get -y install curl "
     "&& apt-get install -y --no-install-recommends jq\n",
     "FROM python:3.12-slim\nRUN apt-get update \\\n && apt-get -y install "
     "--no-install-recommends curl && apt-get install -y --no-install-recommends jq\n"),
    ("PF112", "FROM python:3.12-slim\n  add --chown=1 . /app\n",
     "FROM python:3.12-slim\n  COPY --chown=1 . /app\n"),
    ("PF115", "FROM python:3.12-slim\nENV PYTHONDONTWRITEBYTECODE=1\nCOPY . .\n",
     "FROM python:3.12-slim\nCOPY . .\n"),
    ("PF116", "FROM python:3.12-slim\nRUN uv pip install --system --no-cache -r r.txt\n",
     "FROM python:3.12-slim\nRUN uv pip install --compile-bytecode --system --no-cache -r r.txt\n"),
])
def test_image_fixes(tmp_path: Path, code: str, before: str, after: str) -> None:
    [finding] = check_files(tmp_path / "a", {"Dockerfile": before}, (code,)).findings
    assert finding.fix is not None
    assert apply_text_edits(before, finding.fix.text_edits) == after
    assert hits(tmp_path / "b", {"Dockerfile": after}, code) == []


@pytest.mark.parametrize(("code", "dockerfile"), [
    # two installs in one RUN: where to add the option is ambiguous
    ("PF106", "FROM python:3.12-slim\nRUN pip install -r a.txt && pip install -r b.txt\n"),
    ("PF115", "FROM python:3.12-slim\nENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1\n"),
])
def test_image_no_fix_when_ambiguous(tmp_path: Path, code: str, dockerfile: str) -> None:
    [finding] = check_files(tmp_path, {"Dockerfile": dockerfile}, (code,)).findings
    assert finding.fix is None


def test_messages_name_the_offending_values(tmp_path: Path) -> None:
    files = {"Dockerfile": "FROM python:3.12.7\nENV API_TOKEN=abc\n"
             "RUN pip install flask && apt-get install -y gcc\nCMD [\"uv\", \"run\", \"app\"]\n"}
    result = check_files(tmp_path, files, ("PF1",))
    text = {f.code: f.message for f in result.findings}
    assert "'python:3.12.7'" in text["PF102"]
    assert "python:3.12.7-slim" in text["PF102"]
    assert "API_TOKEN" in text["PF111"]
    assert "'flask'" in text["PF107"]
    assert "gcc" in text["PF104"]
    assert "'uv run'" in text["PF117"]
    uvx = check_files(tmp_path / "x", {"Dockerfile": "FROM python:3.12-slim\nCMD [\"uvx\", "
                      "\"--from\", \"x\", \"gunicorn\"]\n"}, ("PF117",))
    assert "runs 'gunicorn' with 'uvx'" in uvx.findings[0].message


def test_pf106_names_the_cache_directory(tmp_path: Path) -> None:
    files = {"Dockerfile": "FROM python:3.12-slim\nENV POETRY_CACHE_DIR=/tmp/poetry\n"
             "RUN poetry install --only main\n"}
    [finding] = check_files(tmp_path, files, ("PF106",)).findings
    assert "'poetry install --only main'" in finding.message
    assert "target=/tmp/poetry'" in finding.message


WEIRD = [
    "FROM python:3.12-slim\nRUN\n",
    "FROM python:3.12-slim\nRUN echo 'unbalanced\n",
    "FROM python:3.12-slim\nRUN [\"pip\"]\nCMD []\nENTRYPOINT []\n",
    "FROM python:3.12-slim\nADD x\nCOPY y\nUSER\nENV\nARG\n",
    "from python:3.12-slim as b\nrun pip install flask\nfrom b\nuser root\n",
    "FROM python:3.12-slim\nONBUILD RUN pip install flask\nHEALTHCHECK NONE\n",
    "FROM python:3.12-slim\nRUN <<EOF python3\nprint(1)\nEOF\nRUN <<A <<B\nx\nA\ny\nB\n",
    "FROM --platform=$BUILDPLATFORM python:3.12-slim AS a\nCOPY --from=a --from=b . .\n",
    "FROM a AS a\nFROM b AS b\nFROM a\n",
    "FROM python:3.12-slim\nRUN --mount=type=cache --mount=weird pip install -r r.txt\n",
    "FROM python:3.12-slim\nRUN pip install -r\nRUN pip install --requirement=\nRUN apt-get\n",
    "FROM python:3.12-slim\nRUN uv\nRUN poetry\nRUN apk add\nRUN apk del\nRUN python -m\n",
]


@pytest.mark.parametrize("dockerfile", WEIRD)
def test_image_rules_survive_odd_dockerfiles(tmp_path: Path, dockerfile: str) -> None:
    files = {"Dockerfile": dockerfile, "requirements.txt": "-r other.txt\n-e .\nflask\n",
             ".env": "X=1\n"}
    result = check_files(tmp_path, files, ("PF1",))
    assert not [e for e in result.errors if e.path == "<podfit>"], result.errors
