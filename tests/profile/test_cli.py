"""``podfit profile`` end to end: JSON contract, text table, HTML report, and clear errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.profile.conftest import GUNICORN, ROOT, example, needs_cgroup

FAST = ["--no-progress", "--cpu", "1", "--memory", "256Mi", "--duration", "1s", "--warmup",
        "1s", "--open-duration", "0.5s", "--generator", "builtin"]


def _podfit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "podfit", "profile", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False)


@needs_cgroup
@pytest.mark.real
@pytest.mark.usefixtures("no_leftovers")
def test_json_text_and_html(tmp_path: Path) -> None:
    html = tmp_path / "report.html"
    out = tmp_path / "profile.json"
    done = _podfit(*FAST, "--workers", "1,2", "--threads", "1", "--peak-rps", "500",
                   "--repeats", "3", "--confidence", "0.9", "--strict",
                   "--format", "json", "-o", str(out), "--html", str(html), "--",
                   GUNICORN, "--chdir", example("io"), "app:app")
    data = json.loads(out.read_text())
    # --strict: exit 1 exactly when the host was too noisy to separate the candidates.
    assert done.returncode == (1 if data["race"]["noise"]["noisy"] else 0), done.stderr
    assert done.stdout == ""
    assert "[1/" in done.stderr  # one progress line per run when stderr is not a terminal
    assert [(r["workers"], r["threads"]) for r in data["runs"]] == [(1, 1), (2, 1)]
    run = next(r for r in data["runs"] if r["open"])  # the chosen one, probed at the SLO
    assert run["status"] == "ok"
    assert run["closed"]["generator"] == "builtin"
    assert run["open"][0]["mode"] == "open"
    assert data["race"]["rounds"] >= 1
    assert data["search"]
    assert run["memory_peak"] > 0
    assert {p["role"] for p in run["processes"]} == {"master", "worker"}
    rec = data["recommendation"]
    assert rec["workers"] == 2  # two sync workers serve twice the 50 ms sleeps of one
    assert rec["slo_p99_ms"] == 200.0
    cap = rec["capacity_rps"]
    assert set(cap) == {"value", "low", "high", "repeats"}
    assert cap["low"] <= cap["value"] <= cap["high"]
    assert 1 <= cap["repeats"] <= 3
    assert rec["hpa"]["maxReplicas"] * rec["capacity_rps_per_pod"] >= 500
    page = html.read_text()
    assert page.count("data:image/png;base64,") == 4
    assert "Recommendation" in page
    assert "<h2>Race</h2>" in page

    text = _podfit(*FAST, "--workers", "1", "--threads", "1", "--", GUNICORN, "--chdir",
                   example("io"), "app:app")
    assert text.returncode == 0, text.stderr
    assert "Recommendation: 1 worker(s) × 1 thread(s), sync" in text.stdout
    assert "limits.memory" in text.stdout
    assert "noise: " in text.stdout
    assert "Race (" in text.stdout


@needs_cgroup
@pytest.mark.real
@pytest.mark.usefixtures("no_leftovers")
def test_a_crashing_app_is_an_error_with_its_output_not_a_traceback() -> None:
    done = _podfit(*FAST, "--", sys.executable, "-c",
                   "import sys; sys.stderr.write('RuntimeError: bad DATABASE_URL\\n'); "
                   "sys.exit(1)")
    assert done.returncode == 2
    assert "\nerror: the app failed (crashed" in done.stderr
    assert "bad DATABASE_URL" in done.stderr
    assert "hint: " in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(("args", "message"), [
    ((), "no command to profile"),
    (("--slo-p99", "fast", "--", "gunicorn", "app:app"), "--slo-p99: not a duration"),
    (("--cpu", "lots", "--", "gunicorn", "app:app"), "--cpu"),
    (("--previous", "/nonexistent/profile.json", "--", "gunicorn", "app:app"), "cannot read"),
    (("--repeats", "0", "--", "gunicorn", "app:app"), "--repeats"),
])
def test_usage_errors(args: tuple[str, ...], message: str) -> None:
    done = _podfit(*args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
