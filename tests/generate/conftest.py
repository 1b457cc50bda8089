"""Fixtures for ``podfit init`` tests: the example apps, initialised once per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.images import copy_example, run_podfit

#: example directory -> extra ``podfit init`` flags (each flag family is exercised once)
INIT_EXAMPLES = {
    "flask-requirements": ["--helm"],
    "fastapi-uv": ["--helm", "--ingress-host", "shop.example.com", "--tls-secret", "shop-tls"],
    # cpu-limit-policy = "integer" comes from [tool.podfit], which check reads as well
    "django-poetry": ["--helm", "--prometheus-operator"],
    "celery-worker": ["--helm", "--task-time-limit", "120"],
    "pipenv-wsgi": ["--helm"],
}


@pytest.fixture(scope="session")
def docker_daemon() -> Iterator[None]:
    """The private dockerd (BuildKit) for image builds: started unless it runs, and stopped
    at the end only when this session started it (by its PID)."""
    from harness import images as engine

    reason = engine.unavailable()
    if reason:
        pytest.skip(reason)
    pid = engine.start_daemon()
    try:
        yield
    finally:
        if pid is not None:
            engine.stop_daemon(pid)


@pytest.fixture(scope="session")
def initialised(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every example copied to a temp dir and run through ``podfit init``."""
    base = tmp_path_factory.mktemp("examples")
    out = {}
    for name, flags in INIT_EXAMPLES.items():
        project = copy_example(name, base)
        done = run_podfit("init", project, *flags)
        assert done.returncode == 0, f"{name}: {done.stderr}"
        out[name] = project
    return out
