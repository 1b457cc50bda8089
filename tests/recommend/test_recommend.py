"""``podfit recommend`` against a real Prometheus holding seeded synthetic history."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import yaml

from podfit.cli.main import main
from podfit.recommend.engine import RecommendResult, run
from podfit.recommend.model import MI, Recommendation, Resources, recommend
from tests.recommend.conftest import END, RunningPrometheus

pytestmark = pytest.mark.real


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(["recommend", *argv])
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


@pytest.fixture(scope="module")
def result(prom: RunningPrometheus) -> RecommendResult:
    return run(prom.url, ["shop", "jobs"], end=END)


def by_name(result: RecommendResult, name: str) -> Recommendation:
    return next(r for r in result.recommendations if r.key.name == name)


def test_every_workload_is_found_with_its_owner(result: RecommendResult) -> None:
    names = {(r.key.namespace, r.key.kind, r.key.name) for r in result.recommendations}
    assert ("shop", "Deployment", "web") in names
    assert ("jobs", "Deployment", "nightly") in names
    assert len(names) == 9
    assert not result.degradations


def test_overprovisioned_cpu_is_lowered_with_a_reason(result: RecommendResult) -> None:
    web = by_name(result, "web")
    assert web.current.cpu_request == pytest.approx(1.0)
    assert web.cpu_request.value is not None
    assert 0.2 < web.cpu_request.value < 0.45  # p90 of 0.2 cores × (1 ± 0.5) daily
    assert "p90" in web.cpu_request.reason
    assert web.cpu_limit.value is None
    assert "GIL" in web.cpu_limit.reason
    assert "cpu_request" in web.changes


def test_throttled_usage_is_corrected_upwards(result: RecommendResult) -> None:
    rec = by_name(result, "throttled")
    assert rec.current.cpu_limit == pytest.approx(0.3)
    assert rec.cpu_request.value is not None
    assert rec.cpu_request.value > 0.35
    assert "throttling" in rec.cpu_request.reason
    assert rec.changes.get("cpu_limit", "kept") is None  # the CPU limit is removed


def test_hpa_workload_is_sized_from_busy_slots_without_a_shrink_loop(
        prom: RunningPrometheus, result: RecommendResult) -> None:
    api = by_name(result, "api")
    assert api.cpu_request.value == pytest.approx(0.4, rel=0.1)  # 0.2 cores/slot × 2 slots
    assert "HPA" in api.cpu_request.reason
    collected = run(prom.url, ["shop"], end=END)
    history = next(h for h in collected.histories if h.key.name == "api")
    again = [recommend(history, Resources(cpu_request=req)).cpu_request.value
             for req in (0.5, 0.35, 0.25)]
    assert again == [api.cpu_request.value] * 3  # applying it and re-running changes nothing


def test_hpa_sizing_from_the_latency_histogram_when_no_busy_gauge(
        result: RecommendResult) -> None:
    # RED metrics alone: rate(http_server_request_duration_seconds_sum) is the mean number of
    # requests in flight (Little's law); CPU per busy slot = 0.02 core-s / 0.08 s = 0.25
    red = by_name(result, "api-red")
    assert red.cpu_request.value == pytest.approx(0.25 * 3, rel=0.1)  # × 3 slots
    assert "HPA" in red.cpu_request.reason
    assert "3 busy slots" in red.cpu_request.reason


def test_worker_oom_inside_a_running_container_raises_the_limit(
        result: RecommendResult) -> None:
    rec = by_name(result, "gunicorn-oom")
    assert rec.memory_limit.value is not None
    assert rec.memory_limit.value > 500 * MI * 1.2
    assert "worker OOM" in rec.memory_limit.reason
    assert rec.workers is not None
    assert "fit" in rec.workers.reason


def test_startup_peak_and_leak_set_the_limit(result: RecommendResult) -> None:
    start = by_name(result, "startup")
    assert start.memory_limit.value is not None
    assert start.memory_limit.value > 590 * MI
    assert "start-up" in start.memory_limit.reason
    assert start.memory_request.value is not None
    assert start.memory_request.value < start.memory_limit.value / 1.5
    leaky = by_name(result, "leaky")
    assert leaky.memory_limit.value is not None
    assert leaky.memory_limit.value > 1.5 * 474 * MI
    assert any("leak" in n for n in leaky.notes)


def test_too_little_history_is_a_question_mark(result: RecommendResult) -> None:
    fresh = by_name(result, "fresh")
    assert fresh.cpu_request.value is None
    assert fresh.memory_limit.value is None
    assert "history" in fresh.cpu_request.reason
    assert fresh.cpu_request.confidence == "none"
    assert not fresh.changes


def test_queries_are_per_namespace_not_per_pod(result: RecommendResult) -> None:
    pods = sum(r.pods for r in result.recommendations)
    # 2 namespaces × (14 instant + 6 range expressions × 14 one-day chunks) at most
    assert result.stats.queries <= 2 * (14 + 6 * 14)
    assert result.stats.queries < 10 * pods


def test_cli_formats_and_exit_code(prom: RunningPrometheus,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "--prometheus", prom.url, "-n", "shop", "--format", "json")
    assert code == 1  # changes recommended
    data = json.loads(out)
    web = next(w for w in data["workloads"] if w["name"] == "web")
    assert web["recommended"]["cpu_request"]["reason"]
    code, out, _ = cli(capsys, "--prometheus", prom.url, "-n", "jobs", "--format", "yaml")
    assert yaml.safe_load(out)["workloads"][0]["name"] == "nightly"
    code, out, _ = cli(capsys, "--prometheus", prom.url, "-n", "shop", "--format", "table")
    assert "shop/Deployment/web" in out
    assert "?" in out
    code, out, _ = cli(capsys, "--prometheus", prom.url, "-n", "jobs", "--format", "html")
    assert out.startswith("<!doctype html>")
    assert "data:image/png;base64," in out


def test_selector_keeps_matching_pods(prom: RunningPrometheus) -> None:
    only = run(prom.url, ["shop"], selector="app=web", end=END)
    assert [r.key.name for r in only.recommendations] == ["web"]


MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: app   # the gunicorn app
          image: web:1
          resources:
            requests:
              cpu: "1"   # sized by hand in 2023
              memory: 512Mi
            limits:
              memory: 512Mi
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: nightly
  namespace: jobs
spec:
  template:
    spec:
      containers:
        - name: app
          image: nightly:1
"""


def test_diff_and_apply_edit_only_the_values(prom: RunningPrometheus, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "deploy.yaml"
    path.write_text(MANIFEST, encoding="utf-8")
    code, out, _ = cli(capsys, "--prometheus", prom.url, "-n", "shop", "-n", "jobs",
                       "--manifests", str(tmp_path), "--diff")
    assert code == 1
    assert '-              cpu: "1"   # sized by hand in 2023' in out
    assert path.read_text(encoding="utf-8") == MANIFEST  # --diff writes nothing
    code, _, err = cli(capsys, "--prometheus", prom.url, "-n", "shop", "-n", "jobs",
                       "--manifests", str(path), "--apply")
    after = path.read_text(encoding="utf-8")
    assert code == 0
    assert "edited 1 file" in err
    assert "# sized by hand in 2023" in after
    assert "# the gunicorn app" in after
    docs = list(yaml.safe_load_all(after))
    resources = docs[0]["spec"]["template"]["spec"]["containers"][0]["resources"]
    assert resources["requests"]["cpu"].endswith("m")
    assert resources["limits"]["memory"] != "512Mi"
    nightly = docs[1]["spec"]["template"]["spec"]["containers"][0]["resources"]
    assert set(nightly) == {"requests", "limits"}
    changed = [a for a, b in zip(MANIFEST.splitlines(), after.splitlines(), strict=False)
               if a != b]
    assert len(changed) <= 5  # minimal edit: only value lines moved
    cli(capsys, "--prometheus", prom.url, "-n", "shop", "-n", "jobs", "--manifests",
        str(path), "--apply")
    assert path.read_text(encoding="utf-8") == after  # idempotent


def test_history_flag_is_validated(prom: RunningPrometheus,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "--prometheus", prom.url, "--history", "fortnight")
    assert code == 2
    assert err.startswith("error: --history")
    assert "hint:" in err


def test_settings_dataclass_defaults_are_documented() -> None:
    from podfit.recommend.settings import RecommendSettings

    for item in dataclasses.fields(RecommendSettings):
        assert item.metadata.get("doc"), item.name
