"""``podfit limits``: text and JSON output, and the error format for a bad override."""

from __future__ import annotations

import json
import os
import subprocess

from harness.runtime import VENV_BIN


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items()
            if not k.startswith("PODFIT_") and k != "WEB_CONCURRENCY"}
    return subprocess.run([str(VENV_BIN / "podfit"), "limits", *args], capture_output=True,
                          text=True, env={**base, **env}, timeout=60, check=False)


def test_json_with_overrides() -> None:
    out = run("--format", "json", "--worker-memory", "300Mi", PODFIT_CPU_LIMIT="3",
              PODFIT_MEMORY_LIMIT="1Gi")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["cpu_limit"] == 3.0
    assert data["memory_limit_bytes"] == 2**30
    assert data["workers"] == 3  # floor(0.9 * 1024 / 300) = 3 = floor(3 CPUs)
    assert data["threads"] == 1
    assert data["sources"]["cpu_limit"] == "env PODFIT_CPU_LIMIT"


def test_text_output() -> None:
    out = run(PODFIT_CPU_LIMIT="1500m")
    assert out.returncode == 0
    lines = out.stdout.splitlines()
    assert lines[0].split() == ["cpu_limit", "1.5"]
    assert "workers             1" in out.stdout
    assert "threads             2" in out.stdout
    assert "sources:" in lines


def test_bad_override_is_an_error_with_a_hint() -> None:
    out = run(WEB_CONCURRENCY="many")
    assert out.returncode == 2
    assert out.stdout == ""
    assert out.stderr.startswith("error: WEB_CONCURRENCY='many' is not a whole number\nhint: ")
    assert "Traceback" not in out.stderr
