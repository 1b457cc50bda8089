"""What a container runs, as far as the manifests and images say: Python or not (server,
console script, ``.py`` script, base image), and whether the app boots slowly."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from podfit.check.model.workloads import Workload, image_name, is_sidecar

if TYPE_CHECKING:
    from podfit.check.model.model import Model


#: Dependencies that make a Python app boot slowly (seconds of imports, model or app loading).
HEAVY_IMPORTS = {"django": "Django", "torch": "PyTorch", "tensorflow": "TensorFlow",
                 "transformers": "transformers", "sentence-transformers": "sentence-transformers",
                 "spacy": "spaCy", "keras": "Keras", "jax": "JAX", "vllm": "vLLM"}


#: Console scripts of Python packages: a command starting with one runs Python.
PYTHON_PROGRAMS = frozenset({
    "celery", "gunicorn", "uvicorn", "hypercorn", "daphne", "granian", "uwsgi", "locust",
    "flask", "django-admin", "rq", "dramatiq", "huey_consumer", "faust", "streamlit",
    "jupyter", "alembic", "gradio", "panel", "bokeh", "dask", "airflow", "mlflow", "prefect",
    "scrapy", "waitress-serve", "pserve", "sanic", "chainlit", "rasa", "ray"})
#: Programs that are not Python: a command starting with one is known not to run it.
OTHER_PROGRAMS = frozenset({
    "node", "npm", "npx", "yarn", "pnpm", "bun", "deno", "java", "dotnet", "go", "ruby",
    "bundle", "rails", "php", "php-fpm", "nginx", "httpd", "apache2", "caddy", "envoy",
    "traefik", "haproxy", "redis-server", "postgres", "mysqld", "mongod", "elixir", "erl"})
_PYTHON_HEAD = re.compile(r"(?:python|pypy)[0-9.]*(?:-dbg)?|.*\.py")
#: Base images that are Python: the official images and the well-known Python-server bases.
_PYTHON_BASE = re.compile(r"(?:^|/)(?:python|pypy)(?::|$)|python[0-9.]*[-:]|:python|"
                          r"uvicorn-gunicorn|uwsgi-nginx|meinheld-gunicorn|(?:^|/)jupyter/")


def python_base(image: str) -> bool:
    """Whether a base image is a Python image (``python:3.12-slim``, ``tiangolo/…``)."""
    return bool(_PYTHON_BASE.search(image.lower()))


def runs_python(model: Model, workload: Workload) -> bool | None:
    """True when the container is known to run Python, False when known not to, else None.

    Known to: a Python server or command (``python``, ``gunicorn``, ``celery``… or a ``.py``
    script), an image linked to a Dockerfile whose final stage is a Python base image, or an
    image named like one. Known not to: a sidecar, a linked Dockerfile on another base, or a
    command that is none of these."""
    if is_sidecar(workload.container):
        return False
    image = str(workload.container.get("image", ""))
    doc = model.dockerfile_for_image(image, workload.obj.path) if image else None
    stage = doc.final_stage if doc is not None else None
    base = python_base(doc.base_image(stage)) if doc is not None and stage is not None else None
    named = "python" in image_name(workload.container) or python_base(image)
    server = model.server_for(workload)
    if server is not None:
        if server.command.kind != "other":
            return True
        head = posixpath.basename(server.command.argv[0]) if server.command.argv else ""
        if head in PYTHON_PROGRAMS or _PYTHON_HEAD.fullmatch(head):
            return True
        if head in OTHER_PROGRAMS:
            return False
        if base or named:
            return True  # a script or console script on a Python image
        return None if head.endswith(".sh") and base is None else False
    if base or named:
        return True
    return False if base is False else None


def heavy_start(model: Model, workload: Workload) -> str | None:
    """Why the app likely boots slowly (Django, ML libraries), or None."""
    env = {str(e.get("name")) for e in workload.container.get("env") or []
           if isinstance(e, Mapping)}
    if "DJANGO_SETTINGS_MODULE" in env:
        return "Django"
    server = model.server_for(workload)
    if server is not None:
        if server.command.kind == "runserver":
            return "Django"
        app = server.command.option("app") or ""
        if ".wsgi" in app or ".asgi" in app:
            return "Django"
        if "DJANGO_SETTINGS_MODULE" in server.env:
            return "Django"
    names: set[str] = set()
    files = model.files
    for req in files.requirements.near(files.scope, workload.obj.path):
        names |= req.names()
    for pyproject in files.pyprojects.near(files.scope, workload.obj.path):
        names |= pyproject.dependencies.names()
    heavy = sorted(names & HEAVY_IMPORTS.keys())
    return HEAVY_IMPORTS[heavy[0]] if heavy else None
