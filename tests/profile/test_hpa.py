"""The HPA simulation behaves like the controller it models."""

from __future__ import annotations

from podfit.profile.hpa import PodModel, choose, ramp, rps_at_utilization, simulate

POD = PodModel(capacity_rps=100, cpu_idle=0.05, cpu_per_rps=0.009, request_cores=0.95,
               ready_delay_s=15)


def test_within_tolerance_nothing_moves() -> None:
    # 2 pods at 80 rps each: usage 0.77 of 0.95 = 81 % against a target of 80 %.
    sim = simulate(POD, 80, min_replicas=2, max_replicas=10, load=[160.0] * 40)
    assert set(sim.replicas) == {2}
    assert sim.violation_ratio == 0


def test_scale_up_is_rate_limited_and_waits_for_readiness() -> None:
    sim = simulate(POD, 50, min_replicas=1, max_replicas=50, load=[2000.0] * 60)
    first = sim.replicas[0]
    assert first == 5  # max(2 × 1, 1 + 4) in one sync period, not the ~38 it wants
    assert sim.peak_replicas <= 50
    assert sim.violation_ratio > 0  # 2000 rps cannot be served while pods start


def test_scale_down_waits_for_the_stabilization_window() -> None:
    load = [800.0] * 60 + [100.0] * 120  # 5 min high, 10 min low, 5 s steps
    sim = simulate(POD, 70, min_replicas=2, max_replicas=20, load=load)
    high = sim.replicas[59]
    assert high >= 8
    assert sim.replicas[60 + 50] == high  # 250 s after the drop: still stabilizing
    assert sim.replicas[-1] < high


def test_a_slower_start_needs_a_lower_target() -> None:
    fast = choose(POD, peak_rps=2000)[0]
    slow = choose(PodModel(**{**POD.__dict__, "ready_delay_s": 90}), peak_rps=2000)[0]
    assert slow.target < fast.target
    assert fast.violation_ratio <= 0.01


def test_max_replicas_covers_the_peak_at_the_target() -> None:
    sim, max_replicas = choose(POD, peak_rps=2000)
    assert max_replicas * rps_at_utilization(POD, sim.target) >= 2000
    assert max(ramp(2000)) == 2000
