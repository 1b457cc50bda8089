"""``[tool.podfit.recommend]`` settings: one frozen dataclass, a docstring per field."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_span(value: str) -> float:
    """Seconds from a Prometheus-style duration: ``90s``, ``30m``, ``36h``, ``14d``, ``2w``."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", value)
    if not match:
        raise ValueError(f"not a duration: {value!r} (try 6h, 14d or 2w)")
    return float(match.group(1)) * _UNITS[match.group(2)]


def _doc(text: str) -> dict[str, str]:
    return {"doc": text}


@dataclass(frozen=True)
class RecommendSettings:
    """How ``podfit recommend`` reads Prometheus and turns history into requests and limits."""

    history: str = field(default="14d", metadata=_doc(
        "How far back to read (Prometheus duration: 6h, 14d, 2w)."))
    min_history: str = field(default="24h", metadata=_doc(
        "Below this much history a figure is '?' instead of a guess."))
    min_samples: int = field(default=100, metadata=_doc(
        "Fewest stepped samples (summed over pods) a figure needs."))
    step: str = field(default="5m", metadata=_doc(
        "Resolution of the range queries: usage is a rate and memory a max over each step, so "
        "no spike between samples is lost."))
    chunk: str = field(default="1d", metadata=_doc(
        "Each range query covers at most this span, so one answer stays small for Prometheus."))
    concurrency: int = field(default=4, metadata=_doc(
        "Range-query chunks in flight at once (1 = strictly one query at a time)."))
    cpu_percentile: float = field(default=90.0, metadata=_doc(
        "Percentile of throttling-corrected CPU usage (pooled over pods) for the CPU request."))
    memory_request_percentile: float = field(default=95.0, metadata=_doc(
        "Percentile of the per-step working-set peaks for the memory request."))
    memory_request_margin: float = field(default=0.10, metadata=_doc(
        "Headroom on the memory request (0.10 = 10%)."))
    memory_limit_margin: float = field(default=0.15, metadata=_doc(
        "Headroom on the memory limit over the highest peak (start-up included)."))
    leak_horizon: str = field(default="7d", metadata=_doc(
        "A steady memory growth is extrapolated this far ahead for the limit."))
    cpu_min: float = field(default=0.01, metadata=_doc("Smallest CPU request, in cores."))
    memory_min: int = field(default=64 * 2**20, metadata=_doc("Smallest memory, in bytes."))
    timeout: float = field(default=30.0, metadata=_doc(
        "Seconds to wait for one Prometheus answer."))
    bearer_token_file: str = field(default="", metadata=_doc(
        "File holding a bearer token (else $PODFIT_PROMETHEUS_TOKEN)."))
    ca_file: str = field(default="", metadata=_doc("CA bundle to verify Prometheus' TLS."))
    insecure_skip_verify: bool = field(default=False, metadata=_doc(
        "Do not verify Prometheus' TLS certificate (test clusters only)."))
    cluster_label: str = field(default="cluster", metadata=_doc(
        "Label that tells clusters apart in a shared Prometheus/Thanos/Mimir."))
    cluster: str = field(default="", metadata=_doc(
        "Which cluster to read when series carry several values of cluster-label."))
    cadvisor_matchers: str = field(default="", metadata=_doc(
        "Extra matchers for cAdvisor series, e.g. job=\"kubelet\" when two jobs scrape it."))

    def __post_init__(self) -> None:
        for name in ("history", "min_history", "step", "chunk", "leak_horizon"):
            parse_span(getattr(self, name))
        if not 0 < self.cpu_percentile <= 100 or not 0 < self.memory_request_percentile <= 100:
            raise ValueError("percentiles must be in (0, 100]")
