"""The profile → init contract: one dataclass and one schema in ``core.capacity``; what profile
writes is exactly what init reads back, and init's plan uses it."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest

from podfit.core import capacity
from podfit.core.errors import InputError
from podfit.generate import InitOptions, build_plan, detect
from podfit.generate.profile_input import load_profile
from podfit.profile.model import ModelSettings, recommend
from podfit.profile.results import Interval, ProfileResult
from tests.profile.test_model import _run

FLASK = {"requirements.txt": "flask\ngunicorn\n",
         "app.py": "from flask import Flask\napp = Flask(__name__)\n"}


def _written(tmp_path: Path) -> tuple[capacity.Recommendation, Path]:
    runs = [_run(1, 1, 100), _run(2, 4, 190)]
    rec = recommend(runs, ModelSettings(peak_rps=1000))
    assert rec is not None
    rec = replace(rec, capacity=Interval(190.0, 180.0, 200.0, 5), max_requests=2000,
                  max_requests_jitter=200)
    path = tmp_path / "profile.json"
    data = ProfileResult(tuple(runs), rec, "cgroup-v1", "wrk", 1.0).to_json()
    path.write_text(json.dumps(data, indent=2))
    return rec, path


def test_profile_json_round_trips_to_the_same_recommendation(tmp_path: Path) -> None:
    written, path = _written(tmp_path)
    read = load_profile(path)
    assert type(read) is capacity.Recommendation  # one dataclass, not a second copy
    assert read == replace(written, source="profile.json")
    assert read.capacity == Interval(190.0, 180.0, 200.0, 5)
    assert read.max_requests == 2000


def test_profile_output_matches_the_schema(tmp_path: Path) -> None:
    _, path = _written(tmp_path)
    data = json.loads(path.read_text())
    jsonschema.validate(data["recommendation"], capacity.SCHEMA)
    assert set(data["recommendation"]["capacity_rps"]) == {"value", "low", "high", "repeats"}


def test_init_plan_uses_what_profile_wrote(tmp_path: Path) -> None:
    written, path = _written(tmp_path)
    app = tmp_path / "app"
    app.mkdir()
    for name, text in FLASK.items():
        (app / name).write_text(text)
    plan = build_plan(detect(app), InitOptions(profile=load_profile(path)))
    web = plan.web
    assert (web.requests_cpu, web.requests_memory) == (written.cpu_request,
                                                       written.memory_request)
    assert web.limits_memory == written.memory_limit
    assert web.hpa_max == written.hpa.max_replicas
    env = dict(web.env)
    assert env["PODFIT_THREADS"] == str(written.threads)
    assert (env["PODFIT_MAX_REQUESTS"], env["PODFIT_MAX_REQUESTS_JITTER"]) == ("2000", "200")
    assert "web.max_requests" in {d.key for d in plan.decisions}


def test_a_failed_profile_is_an_input_error_for_init(tmp_path: Path) -> None:
    path = tmp_path / "profile.json"
    path.write_text(json.dumps({"runs": [], "recommendation": None}))
    with pytest.raises(InputError, match="recommendation should be an object") as info:
        load_profile(path)
    assert info.value.hint


def test_there_is_one_parser() -> None:
    import podfit.generate.profile_input as module

    assert module.Recommendation is capacity.Recommendation
    source = Path(module.__file__).read_text()
    assert "_need(" not in source
    assert "json.loads" not in source
