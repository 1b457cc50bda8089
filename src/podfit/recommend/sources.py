"""A small Prometheus HTTP API client on urllib (works for Thanos, Mimir, VictoriaMetrics).

Every failure becomes a :class:`PrometheusError` with a hint; partial answers (warnings) are
kept so the report can state the degradation.
"""

from __future__ import annotations

import json
import math
import os
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from podfit.core.errors import PodfitError

TOKEN_ENV = "PODFIT_PROMETHEUS_TOKEN"


class PrometheusError(PodfitError):
    """Prometheus could not be asked, or refused to answer."""


@dataclass(frozen=True)
class Series:
    """One answer series: its labels and ``(timestamp, value)`` points."""

    labels: dict[str, str]
    points: tuple[tuple[float, float], ...]

    @property
    def last(self) -> float:
        return self.points[-1][1]


@dataclass
class QueryStats:
    """What the queries cost: counted so the benchmark can compare query patterns."""

    queries: int = 0
    bytes: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)


class Prometheus:
    """``query`` and ``query_range`` against one Prometheus-compatible endpoint."""

    def __init__(self, url: str, *, token: str | None = None, ca_file: str | None = None,
                 insecure: bool = False, timeout: float = 30.0) -> None:
        parsed = urllib.parse.urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise PrometheusError(f"not a Prometheus URL: {url!r}",
                                  "give --prometheus http://HOST:9090 (or https://…)")
        self.url = url.rstrip("/")
        self.token = token if token is not None else os.environ.get(TOKEN_ENV) or None
        self.timeout = timeout
        self.stats = QueryStats()
        self._lock = threading.Lock()  # range chunks are fetched from a few threads
        self._context: ssl.SSLContext | None = None
        if parsed.scheme == "https":
            self._context = ssl.create_default_context(cafile=ca_file or None)
            if insecure:
                self._context.check_hostname = False
                self._context.verify_mode = ssl.CERT_NONE

    def _get(self, path: str, params: list[tuple[str, str]]) -> Any:
        url = f"{self.url}{path}?{urllib.parse.urlencode(params)}"
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=self.timeout,
                                        context=self._context) as response:
                body = response.read()
        except urllib.error.HTTPError as exc:
            body = exc.read()
            self._raise_http(exc.code, body)
        except TimeoutError:
            raise PrometheusError(
                f"Prometheus at {self.url} did not answer within {self.timeout:g}s",
                "raise 'timeout' in [tool.podfit.recommend], shorten --history, or "
                "narrow --namespace") from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError):
                raise PrometheusError(
                    f"Prometheus at {self.url} did not answer within {self.timeout:g}s",
                    "raise 'timeout' in [tool.podfit.recommend] or shorten --history") from None
            if isinstance(reason, ssl.SSLError):
                raise PrometheusError(f"TLS to {self.url} failed: {reason}",
                                      "set ca-file (or insecure-skip-verify) in "
                                      "[tool.podfit.recommend]") from None
            raise PrometheusError(
                f"cannot reach Prometheus at {self.url}: {reason}",
                "check --prometheus; from a laptop: kubectl -n monitoring port-forward "
                "svc/prometheus 9090, then --prometheus http://127.0.0.1:9090") from None
        except OSError as exc:
            raise PrometheusError(f"cannot reach Prometheus at {self.url}: {exc}",
                                  "check --prometheus") from None
        finally:
            with self._lock:
                self.stats.seconds += time.monotonic() - started
        with self._lock:
            self.stats.queries += 1
            self.stats.bytes += len(body)
        return self._decode(body)

    def _raise_http(self, code: int, body: bytes) -> None:
        if code in (401, 403):
            raise PrometheusError(
                f"Prometheus at {self.url} refused the request (HTTP {code}, unauthorised)",
                f"export {TOKEN_ENV}=<token> or set bearer-token-file in "
                "[tool.podfit.recommend]")
        try:
            message = str(json.loads(body).get("error", ""))
        except (ValueError, AttributeError):
            message = body[:200].decode("utf-8", "replace").strip()
        if "too many samples" in message or code == 422:
            raise PrometheusError(f"Prometheus rejected a query: {message}",
                                  "lower 'chunk' or 'step' in [tool.podfit.recommend]")
        if code == 404:
            raise PrometheusError(f"{self.url} has no Prometheus API (HTTP 404)",
                                  "point --prometheus at the server root, e.g. "
                                  "http://prometheus:9090 (Thanos Query, Mimir: the "
                                  "/prometheus prefix)")
        raise PrometheusError(f"Prometheus at {self.url} answered HTTP {code}: {message}",
                              "check the server's logs; retry later if it is overloaded")

    def _decode(self, body: bytes) -> Any:
        try:
            payload = json.loads(body)
        except ValueError:
            raise PrometheusError(f"{self.url} did not answer with Prometheus JSON",
                                  "is --prometheus a Prometheus API (not a login page or "
                                  "Grafana)?") from None
        if not isinstance(payload, dict) or payload.get("status") != "success":
            error = payload.get("error") if isinstance(payload, dict) else payload
            raise PrometheusError(f"Prometheus query failed: {error}",
                                  "check the Prometheus version (2.x+ needed)")
        with self._lock:
            for warning in payload.get("warnings") or []:
                if warning not in self.stats.warnings:
                    self.stats.warnings.append(str(warning))
        return payload.get("data")

    def query(self, expr: str, at: float) -> list[Series]:
        """An instant query: one point per series."""
        data = self._get("/api/v1/query", [("query", expr), ("time", f"{at:.3f}")])
        return _series(data, instant=True)

    def query_range(self, expr: str, start: float, end: float, step: float) -> list[Series]:
        data = self._get("/api/v1/query_range", [
            ("query", expr), ("start", f"{start:.3f}"), ("end", f"{end:.3f}"),
            ("step", f"{step:g}")])
        return _series(data, instant=False)

    def label_values(self, label: str, match: str, start: float, end: float) -> list[str]:
        """Values of ``label`` on series matching ``match`` (the index only: cheap)."""
        data = self._get(f"/api/v1/label/{label}/values", [
            ("match[]", match), ("start", f"{start:.0f}"), ("end", f"{end:.0f}")])
        return sorted(str(v) for v in data or [])


def _series(data: Any, *, instant: bool) -> list[Series]:
    if not isinstance(data, dict):
        raise PrometheusError("Prometheus answered without data",
                              "check that --prometheus is a Prometheus API")
    result = []
    for item in data.get("result") or []:
        labels = {str(k): str(v) for k, v in (item.get("metric") or {}).items()}
        raw = [item["value"]] if instant and "value" in item else item.get("values") or []
        points = []
        for ts, value in raw:
            number = float(value)
            if math.isfinite(number):  # drop NaN and Inf points
                points.append((float(ts), number))
        if points:
            result.append(Series(labels, tuple(points)))
    return result
