"""Pieces of one measured run that need no server."""

from __future__ import annotations

import pytest

from podfit.profile.results import LoadResult
from podfit.profile.runner import _interpolate, connections_for


def _phase(rate: float, p99: float) -> LoadResult:
    return LoadResult(mode="open", generator="builtin", duration_s=1, requests=100, errors=0,
                      rps=rate, target_rps=rate, p50_ms=p99 / 3, p90_ms=p99 / 2, p99_ms=p99,
                      max_ms=p99, connections=256, generator_cpu_cores=0.1,
                      generator_saturated=False)


@pytest.mark.parametrize(("ok", "missed", "expected"), [
    ((100, 50), (150, 350), 125.0),  # p99 crosses 200 ms halfway between the two rates
    ((100, 190), (150, 1190), 100.5),
    ((100, 50), (150, 50), 100.0),  # no latency slope: keep the rate that passed
])
def test_capacity_interpolates_p99_between_phases(ok: tuple[float, float],
                                                   missed: tuple[float, float],
                                                   expected: float) -> None:
    assert _interpolate(_phase(*ok), _phase(*missed), 200) == pytest.approx(expected)


def test_closed_loop_keeps_every_request_slot_busy() -> None:
    assert connections_for(1, 1, "sync") == 4
    assert connections_for(3, 8, "gthread") == 48
    assert connections_for(64, 8, "gthread") == 1024  # capped: the threads sweep reaches 128
    assert connections_for(200, 8, "gthread") == 1024
    assert connections_for(2, 1, "uvicorn") == 64  # async workers: no slot count
