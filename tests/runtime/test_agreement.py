"""`podfit check` and `podfit init` agree with podfit.runtime's default concurrency: gunicorn
configured by podfit.runtime runs gthread threads, so PF305 does not flag it unless the user
chose sync, and both point at the same default."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from podfit.runtime.policy import DEFAULT_REQUEST_THREADS

ROOT = Path(__file__).resolve().parents[2]
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
        - name: web
          image: registry.example/web:1.0
          command: {command}
          resources:
            limits: {{cpu: 500m, memory: 512Mi}}
"""


def _podfit(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "podfit", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, check=False)


def _pf305(tmp_path: Path, command: list[str]) -> list[str]:
    (tmp_path / "deploy.yaml").write_text(DEPLOYMENT.format(command=json.dumps(command)))
    out = _podfit("check", ".", "--format", "json", cwd=tmp_path)
    return [f["message"] for f in json.loads(out.stdout)["findings"] if f["code"] == "PF305"]


def test_check_does_not_flag_gunicorn_run_by_podfit_runtime(tmp_path: Path) -> None:
    conf = ["gunicorn", "-c", "python:podfit.runtime.gunicorn_conf"]
    assert _pf305(tmp_path, [*conf, "app:app"]) == []
    chosen_sync = _pf305(tmp_path, [*conf, "-k", "sync", "app:app"])
    assert len(chosen_sync) == 1
    assert f"--threads {DEFAULT_REQUEST_THREADS}" in chosen_sync[0]


def test_init_explains_the_threaded_default(tmp_path: Path) -> None:
    project = tmp_path / "app"
    shutil.copytree(ROOT / "examples" / "init-flask-flit", project)
    out = _podfit("init", ".", "--explain", "--diff", cwd=project)
    lines = out.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("web.workers:"))
    assert f"gthread x {DEFAULT_REQUEST_THREADS}" in " ".join(lines[at:at + 2]), lines[at:at + 2]


def test_the_recycling_init_writes_is_what_the_gunicorn_config_reads() -> None:
    """``init --from-profile`` writes PODFIT_MAX_REQUESTS(_JITTER) (tests/profile/
    test_contract.py); the runtime's config must read those very names."""
    code = ("import podfit.runtime.gunicorn_conf as c; "
            "print(c.max_requests, c.max_requests_jitter)")
    env = {"PATH": "/usr/bin:/bin", "PODFIT_METRICS": "0", "PODFIT_MAX_REQUESTS": "2000",
           "PODFIT_MAX_REQUESTS_JITTER": "200"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True, timeout=60)
    assert out.stdout.split() == ["2000", "200"]
    unset = subprocess.run([sys.executable, "-c", code], env={"PATH": "/usr/bin:/bin",
                                                              "PODFIT_METRICS": "0"},
                           capture_output=True, text=True, check=True, timeout=60)
    assert unset.stdout.split() == ["0", "0"]  # gunicorn's default: never recycle
