"""The Plan: decisions with reasons, overrides, refusals, and profile input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from podfit.core.errors import ConfigError, InputError, UsageError
from podfit.generate import InitOptions, build_plan, detect, render
from podfit.generate.profile_input import load_profile
from tests.generate.test_detect import make

FLASK = {"requirements.txt": "flask\ngunicorn\n",
         "app.py": "from flask import Flask\napp = Flask(__name__)\n"}
PROFILE: dict[str, Any] = {
    "runs": [],
    "recommendation": {
        "workers": 3, "threads": 2, "worker_class": "gthread",
        "requests": {"cpu": "750m", "memory": "300Mi"},
        "limits": {"cpu": None, "memory": "320Mi"},
        "hpa": {"minReplicas": 3, "maxReplicas": 12, "targetCPUUtilizationPercentage": 65,
                "scaleDownStabilizationSeconds": 600},
        "reasons": [{"field": "workers", "value": 3, "reason": "knee of the latency curve"}],
        "capacity_rps_per_pod": 410.0, "slo_p99_ms": 250.0,
    },
}


def plan_for(tmp_path: Path, files: dict[str, str], **options: Any) -> Any:
    return build_plan(detect(make(tmp_path, files)), InitOptions(**options))


def test_every_decision_has_a_reason(tmp_path: Path) -> None:
    plan = plan_for(tmp_path, FLASK)
    keys = {d.key for d in plan.decisions}
    assert {"deps", "python", "app", "server", "base", "web.requests", "web.limits",
            "web.shutdown", "web.hpa", "web.probes"} <= keys
    assert all(d.reason for d in plan.decisions)


def test_shutdown_budget_adds_up(tmp_path: Path) -> None:
    web = plan_for(tmp_path, FLASK).web
    assert web.grace_period > web.prestop_seconds + web.shutdown_seconds
    env = dict(web.env)
    # podfit.runtime: shutdown = PODFIT_GRACE_SECONDS - PODFIT_DRAIN_SECONDS - 3
    assert int(env["PODFIT_GRACE_SECONDS"]) - int(env["PODFIT_DRAIN_SECONDS"]) - 3 == (
        web.shutdown_seconds)


@pytest.mark.parametrize(("policy", "limit"), [("none", None), ("integer", "1"),
                                                ("required", "500m")])
def test_cpu_limit_policy(tmp_path: Path, policy: str, limit: str | None) -> None:
    web = plan_for(tmp_path, FLASK, cpu_limit_policy=policy).web
    assert web.limits_cpu == limit
    assert web.limits_memory == web.requests_memory


def test_config_table_is_read_and_flags_win(tmp_path: Path) -> None:
    files = {**FLASK, "pyproject.toml": "[tool.podfit]\ncpu-limit-policy = 'integer'\n"
             "kube-version = '1.30'\n[tool.podfit.init]\nport = 9000\nname = 'shop'\n"}
    plan = plan_for(tmp_path, files, name="store")
    assert plan.name == "store"
    assert plan.web.port == 9000
    assert plan.web.limits_cpu == "1"  # the key check reads too


def test_unknown_config_key_suggests_the_right_one(tmp_path: Path) -> None:
    files = {**FLASK, "pyproject.toml": "[tool.podfit.init]\nprot = 9000\n"}
    with pytest.raises(ConfigError) as info:
        plan_for(tmp_path, files)
    assert "'port'" in str(info.value.hint)


def test_alpine_refused_when_a_dependency_has_no_musl_wheels(tmp_path: Path) -> None:
    files = {**FLASK, "requirements.txt": "flask\npsycopg2\n"}
    with pytest.raises(UsageError, match="psycopg2"):
        plan_for(tmp_path, files, base="alpine")
    plan = plan_for(tmp_path, {**FLASK, "requirements.txt": "flask\nlxml\n"}, base="alpine")
    text = render(plan)["Dockerfile"]
    assert "alpine" in plan.base_image
    assert "apt-get" not in text


def test_distroless_needs_debian_python(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"3\.11"):
        plan_for(tmp_path, FLASK, base="distroless", python="3.12")
    plan = plan_for(tmp_path, FLASK, base="distroless", python="3.11")
    text = render(plan)["Dockerfile"]
    assert "ARG BUILDER_IMAGE=debian:12-slim" in text
    assert "distroless" in plan.base_image


def test_web_and_worker_in_one_project(tmp_path: Path) -> None:
    files = {**FLASK, "tasks.py": "from celery import Celery\ncapp = Celery('t')\n"}
    files["requirements.txt"] += "celery\n"
    plan = plan_for(tmp_path, files, task_time_limit=600)
    assert plan.web is not None
    assert plan.worker is not None
    assert plan.worker.grace_period >= 600
    out = render(plan)
    assert "deploy/k8s/worker-deployment.yaml" in out
    assert "deploy/k8s/service.yaml" in out
    assert "--time-limit" in out["deploy/k8s/worker-deployment.yaml"]


def test_dockerfile_shape(tmp_path: Path) -> None:
    files = {**FLASK, ".gitignore": "secrets/\n/local.db\n*.log\n"}
    out = render(plan_for(tmp_path, files))
    docker = out["Dockerfile"]
    assert docker.count("\nFROM ") == 3
    assert "ARG BASE_IMAGE=python:3.12-slim-bookworm" in docker
    assert docker.index("COPY requirements.txt ./") < docker.index("COPY . /app")
    assert "--mount=type=cache" in docker
    assert "--mount=type=secret" in docker
    assert 'CMD ["gunicorn"' in docker
    assert "USER 10001:10001" in docker
    assert "PYTHONUNBUFFERED=1" in docker
    assert "PYTHONDONTWRITEBYTECODE" not in docker
    ignore = out[".dockerignore"].splitlines()
    assert {"**/secrets", "local.db", "**/*.log", ".git", ".env"} <= set(ignore)


def test_profile_sizes_the_deployment(tmp_path: Path) -> None:
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(PROFILE))
    plan = plan_for(tmp_path / "p", FLASK, profile=load_profile(path))
    web = plan.web
    assert (web.requests_cpu, web.requests_memory, web.limits_memory) == ("750m", "300Mi",
                                                                          "320Mi")
    assert (web.hpa_min, web.hpa_max, web.hpa_target) == (3, 12, 65)
    assert dict(web.env)["WEB_CONCURRENCY"] == "3"
    assert any("knee" in d.reason for d in plan.decisions)


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda r: r.pop("workers"), "recommendation.workers is missing"),
    (lambda r: r.update(workers="3"), "should be an integer"),
    (lambda r: r["requests"].update(cpu="lots"), "not a valid quantity"),
    (lambda r: r["limits"].update(memory="100Mi"), "below requests.memory"),
    (lambda r: r["hpa"].update(minReplicas=20), "inconsistent"),
])
def test_bad_profile_is_an_input_error(tmp_path: Path, mutate: Any, message: str) -> None:
    data = json.loads(json.dumps(PROFILE))
    mutate(data["recommendation"])
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(data))
    with pytest.raises(InputError, match=message) as info:
        load_profile(path)
    assert info.value.hint


def test_profile_file_that_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "profile.json"
    path.write_text("workers: 3\n")
    with pytest.raises(InputError, match="not JSON"):
        load_profile(path)


def test_plain_script_runs_as_a_process_without_service(tmp_path: Path) -> None:
    files = {"requirements.txt": "requests\n",
             "main.py": "if __name__ == '__main__':\n    print('hi')\n"}
    out = render(plan_for(tmp_path, files))
    assert 'CMD ["python", "main.py"]' in out["Dockerfile"]
    assert "deploy/k8s/service.yaml" not in out
    assert "deploy/k8s/worker-deployment.yaml" in out
