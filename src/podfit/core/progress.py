"""One progress event for every verb's observer: engines report, only ``cli/`` renders.

check reports the files it read and the rules it runs, profile each run and race round,
init each file it writes; the CLI turns the same events into a bar on a terminal or plain
lines on stderr, and ``-q`` simply passes no observer.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


class Stage(enum.StrEnum):
    """What an event says about the work."""

    START = "start"
    """A unit of work begins (a profiling run, a rule)."""
    DONE = "done"
    """A unit of work ended; ``payload`` may carry its result."""
    STATUS = "status"
    """What is going on now (a race round, a phase): replaces the previous status."""
    NOTE = "note"
    """Something the user should read, kept in the output."""


@dataclass(frozen=True)
class Progress(Generic[T]):
    """One event. ``done``/``total`` count units of work (``total`` 0: not known yet)."""

    kind: Stage
    done: int
    total: int
    label: str
    payload: T | None = None
    """The verb's own result for a DONE event (profile: the run's measurements)."""


#: What every engine takes: called with each event, in order, on the engine's thread.
Observer = Callable[[Progress[T]], None]
