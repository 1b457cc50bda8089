"""``recommend`` as one call: read the history, model every workload container."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from podfit.core.progress import Observer
from podfit.recommend.collect import Collector
from podfit.recommend.model import History, Recommendation, Resources, recommend
from podfit.recommend.settings import RecommendSettings
from podfit.recommend.sources import Prometheus, PrometheusError, QueryStats


@dataclass(frozen=True)
class RecommendResult:
    recommendations: tuple[Recommendation, ...]
    histories: tuple[History, ...]
    degradations: tuple[str, ...]
    stats: QueryStats

    @property
    def changed(self) -> bool:
        return any(r.changes for r in self.recommendations)


def _token(settings: RecommendSettings) -> str | None:
    if settings.bearer_token_file:
        try:
            return Path(settings.bearer_token_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise PrometheusError(f"cannot read bearer-token-file: {exc}",
                                  "fix bearer-token-file in [tool.podfit.recommend]") from None
    return os.environ.get("PODFIT_PROMETHEUS_TOKEN") or None


def run(url: str, namespaces: list[str], *, selector: str = "",
        settings: RecommendSettings | None = None, end: float | None = None,
        progress: Observer[None] | None = None) -> RecommendResult:
    settings = settings or RecommendSettings()
    prom = Prometheus(url, token=_token(settings), ca_file=settings.ca_file or None,
                      insecure=settings.insecure_skip_verify, timeout=settings.timeout)
    collector = Collector(prom, settings, end if end is not None else time.time(), progress)
    data = collector.collect(namespaces, selector)
    recs = tuple(recommend(h, data.current.get(h.key) or _none(), settings)
                 for h in data.histories)
    return RecommendResult(recs, tuple(data.histories), tuple(data.degradations), prom.stats)


def _none() -> Resources:
    return Resources()
