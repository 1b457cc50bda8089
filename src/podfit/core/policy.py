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


def max_workers_for_cpu(cpu_cores: float, *, threads: int = 1) -> int:
    """Most process workers that make sense for a CPU allowance.

    Python processes run one thread of Python at a time (GIL), so beyond ``ceil(cpu) + 1``
    sync workers the extra processes only add memory and context switches; I/O-bound apps
    should add threads or go async instead of processes. ``threads`` is accepted so callers
    state what they run, but threads do not raise the process ceiling.
    """
    del threads
    return max(1, math.ceil(cpu_cores)) + 1


#: Resident memory of one idle Python web worker when nothing else is known (framework
#: imported, no app data): the floor used to compare workers x memory with a limit.
DEFAULT_WORKER_MEMORY_BYTES = 60 * 2**20
