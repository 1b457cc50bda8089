"""Memory for production: never below the start-up or serving peak plus the margin, room
for the growth the soak measured until workers recycle (``--max-requests`` with jitter), and a
floor with its reason."""

from __future__ import annotations

import math
from dataclasses import dataclass

from podfit.profile.results import Soak

MI = 2**20
#: Below this a Python web pod has no room for an import-time spike or a few large request
#: bodies; KRR's own minimum is 100 MiB.
FLOOR = 128 * MI
#: Growth per 1,000 requests below this is taken for allocator noise (arenas, fragmentation
#: still settling in a short soak), not a leak: it would give a max-requests above 32,000, a
#: recycling that makes no practical difference.
NOISE_PER_1K = 1 * MI
#: A worker may grow by at most this much (or half its own size) before it is recycled.
ALLOWED_GROWTH = 32 * MI


@dataclass(frozen=True)
class Sizing:
    limit: int
    max_requests: int | None
    jitter: int | None
    reasons: tuple[tuple[str, str], ...]
    """(field, reason) pairs for the report."""


def _nice(value: float) -> int:
    """Round down to 1-2 significant digits (2000, not 2048), so the figure reads as chosen."""
    if value < 10:
        return max(1, int(value))
    magnitude = 10 ** int(math.log10(value) - 1)
    return int(value // magnitude * magnitude)


def leaking(soak: Soak | None) -> bool:
    """Growth that is real (interval above zero) and above allocator noise."""
    return soak is not None and soak.growth_low > 0 and soak.growth_per_1k > NOISE_PER_1K


def size(predicted: float, workers: int, *, per_worker: float, margin: float,
         startup_peak: int, serving_peak: int, soak: Soak | None) -> Sizing:
    """The memory limit (= request) and ``--max-requests`` for ``workers`` workers."""
    reasons: list[tuple[str, str]] = []
    growth = 0.0
    max_requests = jitter = None
    if leaking(soak):
        assert soak is not None
        per_request = soak.growth_per_1k / 1000
        allowed = max(ALLOWED_GROWTH, 0.5 * per_worker)
        max_requests = max(100, _nice(allowed / per_request))
        jitter = max(1, max_requests // 10)
        growth = workers * (max_requests + jitter) * per_request
        reasons.append(("max_requests", (
            f"the soak ({soak.requests} requests in {soak.seconds:.0f}s) saw memory grow "
            f"{soak.growth_per_1k / MI:.1f} MiB per 1,000 requests (interval "
            f"{soak.growth_low / MI:.1f}–{soak.growth_high / MI:.1f}); recycling each worker "
            f"after {max_requests} (+ up to {jitter} jitter, so workers do not restart "
            f"together) bounds its growth to {allowed / MI:.0f} MiB")))
    elif soak is not None:
        reasons.append(("max_requests", (
            f"none: the soak ({soak.requests} requests in {soak.seconds:.0f}s) measured "
            f"{soak.growth_per_1k / 1024:.0f} KiB per 1,000 requests (interval "
            f"{soak.growth_low / 1024:.0f}…{soak.growth_high / 1024:.0f} KiB), no real growth")))
    steady = predicted + growth
    candidates = {"serving model": steady * (1 + margin),
                  "start-up peak": startup_peak * (1 + margin),
                  "serving peak": (serving_peak + growth) * (1 + margin),
                  "floor": float(FLOOR)}
    which = max(candidates, key=lambda k: candidates[k])
    limit = int(math.ceil(candidates[which] / MI) * MI)
    reasons.append(("memory.floor", (
        f"{FLOOR // MI} MiB: room for an import-time spike or a few large request bodies "
        "(KRR's minimum is 100 MiB)")))
    reasons.append(("memory.peaks", (
        f"start-up peak {startup_peak / MI:.0f} MiB (imports, preload) and serving peak "
        f"{serving_peak / MI:.0f} MiB measured separately; the limit is the largest of the "
        f"model {steady / MI:.0f} MiB, either peak (+{margin:.0%}) and the floor: {which}")))
    return Sizing(limit, max_requests, jitter, tuple(reasons))
