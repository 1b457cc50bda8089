"""The model's decisions on hand-made histories, and the manifest edits on hand-made YAML."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from podfit.recommend.apply import plan_edits
from podfit.recommend.model import (
    MI,
    Figure,
    History,
    Hpa,
    Recommendation,
    Resources,
    WorkloadKey,
    percentile,
    recommend,
)

KEY = WorkloadKey("shop", "Deployment", "web", "app")
HOUR = 3600.0


def history(cpu: float = 0.5, *, hours: float = 48, throttled: float = 0.0,
            memory: float = 300 * MI, **extra: object) -> History:
    n = int(hours * 12)
    stamps = [i * 300.0 for i in range(n)]
    return History(KEY, 300.0, ("web-1",), tuple((t, cpu) for t in stamps),
                   tuple(throttled for _ in stamps), tuple((t, memory) for t in stamps),
                   **extra)  # type: ignore[arg-type]


def test_percentile_is_a_seen_value() -> None:
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90) == 9
    assert percentile([5.0], 50) == 5.0


def test_throttled_steps_count_as_wanting_more() -> None:
    plain = recommend(history(0.3), Resources(0.3, 0.3))
    starved = recommend(history(0.3, throttled=0.5), Resources(0.3, 0.3))
    assert plain.cpu_request.value == pytest.approx(0.3)
    assert starved.cpu_request.value == pytest.approx(0.45)
    assert "throttling in 100% of steps" in starved.cpu_request.reason


def test_gil_caps_cpu_at_one_core_per_worker() -> None:
    rec = recommend(history(3.0, workers=2, slots=2.0), Resources())
    assert rec.cpu_request.value == 2.0
    assert "GIL" in rec.cpu_request.reason


def test_hpa_without_slot_data_is_unknown_and_says_what_is_missing() -> None:
    rec = recommend(history(hpa=Hpa("web", "cpu", 70)), Resources(0.5))
    assert rec.cpu_request.value is None
    assert "busy request slots" in rec.cpu_request.reason


def test_memory_hpa_gets_a_note() -> None:
    rec = recommend(history(hpa=Hpa("web", "memory", 80)), Resources())
    assert any("scales on memory" in n for n in rec.notes)


def test_container_oom_bumps_above_the_limit_it_died_at() -> None:
    rec = recommend(history(memory=500 * MI, oom_events=1, oom_kills=1),
                    Resources(memory_limit=512 * MI))
    assert rec.memory_limit.value is not None
    assert rec.memory_limit.value >= (512 + 102.4) * MI * 1.15
    assert "OOMKilled" in rec.memory_limit.reason


def test_short_history_gives_question_marks() -> None:
    rec = recommend(history(hours=3), Resources(1.0))
    assert rec.cpu_request.value is None
    assert rec.cpu_request.confidence == "none"
    assert "3.0 h of history" in rec.cpu_request.reason


def _rec(**values: float | None) -> Recommendation:
    def fig(name: str) -> Figure:
        return Figure(values.get(name), "test", "high" if name in values else "none")

    return Recommendation(KEY, Resources(1.0, 2.0, 512 * MI, 512 * MI), fig("cpu_request"),
                          fig("cpu_limit"), fig("memory_request"), fig("memory_limit"), None,
                          48.0, 1000, 1)


MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: app
        resources:
          requests:
            cpu: '1'  # hand-sized
          limits:
            cpu: "2"
            memory: 512Mi
"""


def test_edits_keep_quotes_comments_and_delete_a_cpu_limit(tmp_path: Path) -> None:
    path = tmp_path / "web.yaml"
    path.write_text(MANIFEST, encoding="utf-8")
    plan = plan_edits([_rec(cpu_request=0.25, memory_request=300 * MI,
                            memory_limit=700 * MI, cpu_limit=None)], [str(path)])
    (outcome,) = plan.outcomes
    assert "cpu: '250m'  # hand-sized" in outcome.after
    assert "memory: 300Mi" in outcome.after  # inserted beside its sibling
    assert 'cpu: "2"' not in outcome.after  # the CPU limit is gone
    doc = yaml.safe_load(outcome.after)
    res = doc["spec"]["template"]["spec"]["containers"][0]["resources"]
    assert res == {"requests": {"cpu": "250m", "memory": "300Mi"},
                   "limits": {"memory": "700Mi"}}
    assert not plan.unmatched


def test_flow_style_and_missing_manifests_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "web.yaml"
    path.write_text(MANIFEST.replace(MANIFEST[MANIFEST.index("        resources:"):],
                                     "        resources: {}\n"), encoding="utf-8")
    plan = plan_edits([_rec(cpu_request=0.25)], [str(tmp_path)])
    assert not plan.outcomes
    assert "not in block style" in plan.unmatched[0]
    other = plan_edits([_rec(cpu_request=0.25)], [str(tmp_path / "nothing-here")])
    assert "no manifest defines it" in other.unmatched[0]


def test_only_the_newest_replicaset_counts_after_a_rollout() -> None:
    from podfit.recommend.model import newest_rollout

    first = {"web-5d9c7b6f4a-00000": 0.0, "web-5d9c7b6f4a-00001": 0.0,
             "web-7c9d8f6b54-00000": 40 * HOUR}
    picked = newest_rollout(first, 72 * HOUR, 24 * HOUR)
    assert picked is not None
    assert picked[0] == {"web-7c9d8f6b54-00000"}
    assert "rollout of web-7c9d8f6b54 32 h ago" in picked[1]
    assert newest_rollout(first, 50 * HOUR, 24 * HOUR) is None  # too new: keep everyone
    assert newest_rollout({"web-0": 0.0, "web-1": 0.0}, 72 * HOUR, HOUR) is None  # not RSs


def test_no_cpu_rate_names_the_scrape_interval() -> None:
    empty = History(KEY, 300.0, ("web-1",), (), (),
                    tuple((i * 300.0, 300 * MI) for i in range(600)))
    rec = recommend(empty, Resources())
    assert rec.cpu_request.value is None
    assert "scrape interval" in rec.cpu_request.reason
