"""Bad input against real Prometheus servers: every case is ``error:``/``hint:`` (exit 2) or a
stated degradation — never a traceback, never a wrong figure."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.recommend_synth import Spec
from podfit.recommend.engine import run
from podfit.recommend.settings import RecommendSettings
from podfit.recommend.sources import PrometheusError
from tests.recommend.conftest import (
    END,
    RunningPrometheus,
    free_port,
    om_for,
    start_prometheus,
)
from tests.recommend.test_recommend import cli

pytestmark = pytest.mark.real


def _assert_error(code: int, err: str, *words: str) -> None:
    assert code == 2
    assert err.startswith("error: ")
    assert "\nhint: " in err
    assert "Traceback" not in err
    for word in words:
        assert word in err


def test_wrong_port(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "--prometheus", f"http://127.0.0.1:{free_port()}")
    _assert_error(code, err, "cannot reach Prometheus", "port-forward")
    assert out == ""


def test_not_a_url(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "--prometheus", "prometheus:9090")
    _assert_error(code, err, "not a Prometheus URL")


def test_stopped_prometheus(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    running = start_prometheus(tmp_path, om_for((Spec("web"),), span=3 * 3600.0, step=120.0))
    running.stop()
    code, _, err = cli(capsys, "--prometheus", running.url)
    _assert_error(code, err, "cannot reach Prometheus")


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPrometheus]:
    """A Prometheus behind basic auth (exporter-toolkit web config): a token is refused."""
    # any bcrypt-shaped hash: the client sends a bearer token, never this user's password
    web = ("basic_auth_users:\n"
           "  admin: $2y$10$abcdefghijklmnopqrstuuWQy0Jv0ZqLk3mJpNn3J1j0fHn8k0W5.\n")
    running = start_prometheus(tmp_path_factory.mktemp("prom-auth"),
                               om_for((Spec("web"),), span=3 * 3600.0, step=120.0),
                               web_config=web)
    yield running
    running.stop()


def test_unauthorised(guarded: RunningPrometheus, capsys: pytest.CaptureFixture[str],
                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PODFIT_PROMETHEUS_TOKEN", "not-the-right-one")
    code, _, err = cli(capsys, "--prometheus", guarded.url)
    _assert_error(code, err, "HTTP 401", "PODFIT_PROMETHEUS_TOKEN")


def test_slow_answer_times_out(prom: RunningPrometheus, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "podfit.toml").write_text("[recommend]\ntimeout = 0.000001\n",
                                          encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, _, err = cli(capsys, "--prometheus", prom.url, "-n", "shop")
    _assert_error(code, err, "did not answer within", "timeout")


def test_unknown_setting_is_an_error(prom: RunningPrometheus, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "podfit.toml").write_text("[recommend]\ncpu-percentil = 95\n",
                                          encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, _, err = cli(capsys, "--prometheus", prom.url)
    _assert_error(code, err, "unknown key 'cpu-percentil'", "cpu-percentile")


def test_unknown_namespace(prom: RunningPrometheus, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "--prometheus", prom.url, "-n", "nope")
    _assert_error(code, err, "nope", "shop")


def test_no_kube_state_metrics_is_a_stated_degradation(prom_odd: RunningPrometheus) -> None:
    result = run(prom_odd.url, ["bare"], end=END)
    assert any("no kube-state-metrics" in d for d in result.degradations)
    (rec,) = result.recommendations
    assert (rec.key.kind, rec.key.name) == ("Deployment", "bare")  # guessed from pod names
    assert rec.current.cpu_request is None  # unknown, never invented
    assert rec.cpu_request.value is not None


def test_two_clusters_are_never_mixed(prom_odd: RunningPrometheus) -> None:
    with pytest.raises(PrometheusError) as info:
        run(prom_odd.url, ["multi"], end=END)
    assert "2 clusters (east, west)" in info.value.message
    assert info.value.hint is not None
    assert "cluster" in info.value.hint
    one = run(prom_odd.url, ["multi"], end=END, settings=RecommendSettings(cluster="east"))
    assert [r.key.name for r in one.recommendations] == ["web"]
    with pytest.raises(PrometheusError):
        run(prom_odd.url, ["multi"], end=END, settings=RecommendSettings(cluster="north"))


def test_cadvisor_scraped_by_two_jobs_is_not_counted_twice(prom_odd: RunningPrometheus) -> None:
    both = run(prom_odd.url, ["dup"], end=END)
    one = run(prom_odd.url, ["dup"], end=END,
              settings=RecommendSettings(cadvisor_matchers='job="kubelet"'))
    assert both.recommendations[0].cpu_request.value == one.recommendations[0].cpu_request.value
    assert both.recommendations[0].samples == one.recommendations[0].samples


def test_partial_history_gives_question_marks_not_guesses(prom: RunningPrometheus) -> None:
    strict = RecommendSettings(min_history="3d")
    result = run(prom.url, ["jobs"], end=END, settings=strict)
    (rec,) = result.recommendations
    assert rec.cpu_request.value is None
    assert "need 3d" in rec.cpu_request.reason
    assert not rec.changes


def test_api_prefix_404(prom: RunningPrometheus, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "--prometheus", prom.url + "/prometheus")
    _assert_error(code, err, "404")
