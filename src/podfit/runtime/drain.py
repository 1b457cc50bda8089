"""The SIGTERM drain: readiness 503 at once, keep serving for the drain delay, then stop.

Timeline inside the grace period ``T`` (``PODFIT_GRACE_SECONDS``, the pod's
``terminationGracePeriodSeconds``): at SIGTERM the state becomes DRAINING and ``/readyz``
answers 503; the server keeps accepting for ``D`` seconds (``PODFIT_DRAIN_SECONDS``) while
endpoint removal propagates to kube-proxy, ingresses and load balancers; then it stops
accepting and gives in-flight requests ``T − D − margin`` seconds before it exits.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from podfit.runtime.health import Health, State, get_health

DRAIN_ENV = "PODFIT_DRAIN_SECONDS"
GRACE_ENV = "PODFIT_GRACE_SECONDS"
DEFAULT_DRAIN = 5.0
DEFAULT_GRACE = 30.0
#: Seconds kept free at the end of the grace period for exit, log flush and SIGKILL jitter.
#: These three equal podfit.core.shutdown's (check's and init's budget; a test holds them so).
MARGIN = 3.0

log = logging.getLogger("podfit.drain")


@dataclass(frozen=True)
class DrainSettings:
    """How long to keep serving after SIGTERM and how long to let requests finish."""

    drain_seconds: float = DEFAULT_DRAIN
    """Keep accepting this long after SIGTERM (covers endpoint propagation)."""
    grace_seconds: float = DEFAULT_GRACE
    """The pod's terminationGracePeriodSeconds: everything must be over by then."""

    @property
    def shutdown_timeout(self) -> float:
        """Time for in-flight requests once accepting stops: ``T − D − margin``, ≥ 1 s."""
        return max(1.0, self.grace_seconds - self.drain_seconds - MARGIN)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> DrainSettings:
        env = os.environ if environ is None else environ
        drain = float(env.get(DRAIN_ENV, DEFAULT_DRAIN))
        grace = float(env.get(GRACE_ENV, DEFAULT_GRACE))
        if drain < 0 or grace <= 0:
            raise ValueError(f"{DRAIN_ENV} must be >= 0 and {GRACE_ENV} > 0")
        # a drain longer than the grace period would be cut by SIGKILL: keep room to finish
        drain = min(drain, max(0.0, grace - MARGIN - 1.0))
        return cls(drain, grace)


class Drainer:
    """Runs the drain once: flips the state, waits ``drain_seconds``, then calls ``stop``."""

    def __init__(self, stop: Callable[[], None], settings: DrainSettings | None = None,
                 health: Health | None = None) -> None:
        self.stop = stop
        self.settings = settings or DrainSettings.from_env()
        self.health = health or get_health()
        self._timer: threading.Timer | None = None
        self.stopping = False
        """True once the drain delay is over and ``stop`` has been called."""

    @property
    def started(self) -> bool:
        return self._timer is not None

    def begin(self) -> None:
        """Start draining (idempotent: a second SIGTERM does not shorten the drain)."""
        if self._timer is not None:
            return
        self.health.set_state(State.DRAINING)
        log.info("SIGTERM: readiness now 503; serving %.1fs more, then %.1fs to finish",
                 self.settings.drain_seconds, self.settings.shutdown_timeout)
        self._timer = threading.Timer(self.settings.drain_seconds, self._finish)
        self._timer.daemon = True
        self._timer.start()

    def _finish(self) -> None:
        self.stopping = True
        log.info("drain delay over: no longer accepting; finishing in-flight requests")
        self.stop()


def install_sigterm(stop: Callable[[], None], settings: DrainSettings | None = None) -> Drainer:
    """For plain workers and custom servers: drain on SIGTERM, then call ``stop``.

    A Python process that is PID 1 ignores SIGTERM unless it installs a handler; this does.
    """
    import signal

    drainer = Drainer(stop, settings)
    signal.signal(signal.SIGTERM, lambda signum, frame: drainer.begin())
    return drainer
