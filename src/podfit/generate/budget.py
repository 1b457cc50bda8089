"""The shutdown budget init writes for web workloads (core.shutdown adds it up)."""

from __future__ import annotations

#: Seconds of preStop sleep: endpoint removal reaches kube-proxy and ingresses before SIGTERM.
PRESTOP_SECONDS = 5
#: After SIGTERM: in-flight requests get this long (the shutdown budget, core.shutdown, adds
#: the preStop sleep and the exit margin podfit.runtime and check use too).
GRACEFUL_SECONDS = 22
