"""Racing decisions on fixed samples: intervals, drops, ties, stability, noise, memory growth."""

from __future__ import annotations

import pytest

from podfit.profile import memory, noise, stats
from podfit.profile.model import ModelSettings, choose_raced, recommend
from podfit.profile.noise import Noise, read_host_cpu
from podfit.profile.results import Entry, Interval, RaceResult, Soak
from tests.profile.test_model import _run

MI = 2**20
QUIET = Noise(0.0, 2, 0.0, 0.01, 0.02, False, "quiet")


def _entry(workers: int, threads: int, samples: tuple[float, ...],
           dropped: int | None = None) -> Entry:
    return Entry(workers, threads, "gthread" if threads > 1 else "sync", 1.0, samples,
                 stats.interval(samples), 0.5, dropped, 60 * MI, 50 * MI, 1.0)


def test_interval_contains_the_mean_and_narrows_with_repeats() -> None:
    few = stats.interval([100, 110, 90])
    many = stats.interval([100, 110, 90] * 4)
    assert few.low < few.value < few.high
    assert few.value == pytest.approx(100)
    assert many.high - many.low < few.high - few.low
    assert stats.interval([100]).repeats == 1


def test_student_t_matches_tables() -> None:
    assert stats.t_quantile(0.975, 4) == pytest.approx(2.776, abs=0.01)
    assert stats.t_quantile(0.975, 9) == pytest.approx(2.262, abs=0.01)
    assert stats.t_quantile(0.975, 2) == pytest.approx(4.303, abs=0.01)


def test_a_tie_within_five_percent_goes_to_the_smallest() -> None:
    runs = [_run(1, 8, 100), _run(2, 8, 104)]
    race = RaceResult((_entry(1, 8, (100, 97, 103, 99, 101)),
                       _entry(2, 8, (104, 100, 107, 103, 105))), 5, QUIET)
    picked = choose_raced(runs, race, ModelSettings())
    assert picked is not None
    run, _, why = picked
    assert (run.workers, run.threads) == (1, 8)
    assert "a tie" in why


def test_a_real_difference_wins_over_size() -> None:
    runs = [_run(1, 8, 100), _run(2, 8, 150)]
    race = RaceResult((_entry(1, 8, (100, 98, 101)), _entry(2, 8, (150, 148, 152))), 3, QUIET)
    picked = choose_raced(runs, race, ModelSettings())
    assert picked is not None
    assert (picked[1].workers, picked[1].threads) == (2, 8)


def test_dropped_candidates_are_not_chosen_and_are_reported() -> None:
    runs = [_run(1, 1, 50), _run(2, 4, 150)]
    race = RaceResult((_entry(1, 1, (50, 51, 49), dropped=3),
                       _entry(2, 4, (150, 149, 151, 150, 152))), 5, QUIET)
    picked = choose_raced(runs, race, ModelSettings())
    assert picked is not None
    assert picked[1].workers == 2
    assert "dropped as clearly slower: 1w×1t sync @1cpu after 3 round(s)" in picked[2]


def test_the_previous_choice_stays_unless_the_difference_is_real() -> None:
    runs = [_run(1, 8, 100), _run(2, 8, 104)]
    tie = RaceResult((_entry(1, 8, (100, 97, 103, 99, 101)),
                      _entry(2, 8, (104, 100, 107, 103, 105))), 5, QUIET)
    kept = choose_raced(runs, tie, ModelSettings(previous=(2, 8)))
    assert kept is not None
    assert (kept[1].workers, kept[1].threads) == (2, 8)
    assert "same as the previous profile" in kept[2]
    real = RaceResult((_entry(1, 8, (100, 99, 101)), _entry(2, 8, (150, 149, 151))), 3, QUIET)
    changed = choose_raced(runs, real, ModelSettings(previous=(1, 8)))
    assert changed is not None
    assert changed[1].workers == 2
    assert "differs from the previous profile" in changed[2]


def test_recommendation_carries_the_interval() -> None:
    runs = [_run(1, 8, 100), _run(2, 8, 150)]
    race = RaceResult((_entry(1, 8, (100, 99, 101)), _entry(2, 8, (150, 149, 151))), 3, QUIET)
    rec = recommend(runs, ModelSettings(), race)
    assert rec is not None
    assert rec.capacity is not None
    assert rec.capacity.repeats == 3
    assert rec.capacity.low < 150 < rec.capacity.high
    data = rec.to_json()["capacity_rps"]
    assert set(data) == {"value", "low", "high", "repeats"}


def test_noise_verdict() -> None:
    wide = noise.judge([1.6, 1.7], [0.0, 0.0], [0.12], 0.15)
    assert wide.noisy
    assert "other processes used" in wide.verdict
    narrow = noise.judge([0.1], [0.0], [0.02], 0.03)
    assert not narrow.noisy
    assert noise.judge([0.1], [0.0], [], 0.0, repeats=1).noisy


def test_host_cpu_from_proc_stat() -> None:
    text = "cpu  100 0 50 800 50 0 0 10 0 0\ncpu0 1 2 3 4\n"
    host = read_host_cpu(text)
    assert host.total_s > host.busy_s > 0
    assert host.steal_s > 0


def _soak(per_1k: float, low: float) -> Soak:
    return Soak(3000, 10.0, per_1k, low, per_1k * 2, ((0, 0), (3000, int(per_1k * 3))),
                80 * MI)


def test_growth_gives_max_requests_with_jitter_and_room_for_it() -> None:
    sizing = memory.size(100 * MI, 2, per_worker=40 * MI, margin=0.25, startup_peak=60 * MI,
                         serving_peak=90 * MI, soak=_soak(16 * MI, 10 * MI))
    assert sizing.max_requests == 2000  # 32 MiB allowed / 16 KiB per request, read as chosen
    assert sizing.jitter == 200
    grown = 2 * (2000 + 200) * 16 * MI / 1000
    assert sizing.limit >= (100 * MI + grown) * 1.25


def test_no_growth_no_max_requests_and_never_below_a_peak_or_the_floor() -> None:
    flat = memory.size(40 * MI, 1, per_worker=30 * MI, margin=0.25, startup_peak=150 * MI,
                       serving_peak=60 * MI, soak=_soak(100 * 1024, -50 * 1024))
    assert flat.max_requests is None
    assert flat.limit >= 150 * MI * 1.25  # the start-up spike, not the serving model, decides
    tiny = memory.size(20 * MI, 1, per_worker=15 * MI, margin=0.25, startup_peak=25 * MI,
                       serving_peak=25 * MI, soak=None)
    assert tiny.limit == memory.FLOOR
    assert any(name == "memory.floor" for name, _ in tiny.reasons)


def test_interval_of_one_more_interleaved_round() -> None:
    assert stats.relative_half_width(Interval(100, 95, 105, 5)) == pytest.approx(0.05)
