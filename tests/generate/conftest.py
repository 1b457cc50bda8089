"""Fixtures for ``podfit init`` tests: the example apps, initialised once per session."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
#: example directory -> extra ``podfit init`` flags (each flag family is exercised once)
INIT_EXAMPLES = {
    "flask-requirements": ["--helm"],
    "fastapi-uv": ["--helm", "--ingress-host", "shop.example.com", "--tls-secret", "shop-tls"],
    # cpu-limit-policy = "integer" comes from [tool.podfit], which check reads as well
    "django-poetry": ["--helm", "--prometheus-operator"],
    "celery-worker": ["--helm", "--task-time-limit", "120"],
    "pipenv-wsgi": ["--helm"],
}


def run_podfit(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The real CLI in a subprocess, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "podfit", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, check=False, timeout=300)


def copy_example(name: str, dest: Path) -> Path:
    target = dest / name
    shutil.copytree(EXAMPLES / name, target,
                    ignore=shutil.ignore_patterns("__pycache__", ".venv", "deploy", "wheels",
                                                  ".podfit"))
    return target


@pytest.fixture(scope="session")
def docker_daemon() -> Iterator[None]:
    """The private dockerd (BuildKit) for image builds: started unless it runs, and stopped
    at the end only when this session started it (by its PID)."""
    from tests.generate import engine

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
