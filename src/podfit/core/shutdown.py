"""The one shutdown budget: preStop sleep + drain delay + graceful timeout + exit margin.

check (``grace-period-too-short``) judges a pod's ``terminationGracePeriodSeconds`` against
it, init writes it into the manifests, and podfit.runtime's drain spends it inside the pod.
podfit.runtime's drain (:mod:`podfit.runtime.drain`) keeps its own copy of the figures below,
because the runtime imports nothing from podfit and check must not import the runtime (its
startup stays light); ``tests/core/test_shutdown.py`` holds the two equal.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Seconds kept between the end of the graceful timeout and SIGKILL (exit, log flush, jitter).
MARGIN = 3
#: podfit.runtime's drain delay when ``PODFIT_DRAIN_SECONDS`` is not set.
DEFAULT_DRAIN = 5
#: Kubernetes' ``terminationGracePeriodSeconds`` when a pod does not set one.
DEFAULT_GRACE = 30


@dataclass(frozen=True)
class ShutdownBudget:
    """What a pod's shutdown takes, in seconds, from the moment the kubelet starts stopping it.

    The grace period starts with the preStop hook, not at SIGTERM, so every phase counts.
    """

    prestop: int = 0
    """The preStop hook's sleep: endpoint removal reaches kube-proxy and ingresses meanwhile."""
    drain: int = 0
    """podfit.runtime's drain delay after SIGTERM (``PODFIT_DRAIN_SECONDS``): still serving."""
    graceful: int = 0
    """The server's graceful timeout: in-flight requests finish after it stops accepting."""
    margin: int = MARGIN
    """Kept free before SIGKILL for the process to exit and flush its logs."""

    @property
    def grace_period(self) -> int:
        """The ``terminationGracePeriodSeconds`` this shutdown needs."""
        return self.prestop + self.runtime_grace

    @property
    def runtime_grace(self) -> int:
        """What is left after the preStop sleep: podfit.runtime's ``PODFIT_GRACE_SECONDS``,
        from which the runtime's drain computes the same graceful timeout back."""
        return self.drain + self.graceful + self.margin

    def fits(self, grace_period: int) -> bool:
        """Whether a pod with this grace period finishes shutting down before SIGKILL."""
        return self.grace_period <= grace_period
