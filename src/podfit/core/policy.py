"""Policies shared by ``check``, ``init`` and ``profile`` so they never disagree."""

from __future__ import annotations

import enum
import math


class CpuLimitPolicy(enum.Enum):
    """How CPU limits should be set — a contested practice, so it is a setting.

    ``none``: no CPU limit; requests guarantee a share and idle CPU is usable (no CFS
    throttling latency). ``integer``: a limit, but a whole number of cores (fractional quotas
    throttle multi-threaded Python in 100 ms CFS periods). ``required``: a limit is mandatory
    (namespaces with ResourceQuota on limits.cpu, or strict cost control).
    """

    NONE = "none"
    INTEGER = "integer"
    REQUIRED = "required"


def cpu_limit_for(request_cores: float, policy: CpuLimitPolicy) -> float | None:
    """The CPU limit to write for a request under ``policy`` (``None``: leave it unset)."""
    if policy is CpuLimitPolicy.NONE:
        return None
    if policy is CpuLimitPolicy.INTEGER:
        return float(max(1, math.ceil(request_cores)))
    return max(request_cores, 0.1)


def max_workers_for_cpu(cpu_cores: float) -> int:
    """Most process workers a CPU allowance justifies: gunicorn's own ``2 × cores + 1``,
    applied to the *pod's* cores (rounded up) rather than the node's.

    Python runs one thread of Python per process at a time (the GIL), so more processes than
    this only add memory and context switches; I/O-bound apps should add threads or go async.
    """
    return 2 * max(1, math.ceil(cpu_cores)) + 1


#: Resident memory of one idle Python web worker when nothing else is known (framework
#: imported, no app data): the floor used to compare workers x memory with a limit.
DEFAULT_WORKER_MEMORY_BYTES = 60 * 2**20
