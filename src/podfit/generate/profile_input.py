"""``init --from-profile`` reads the capacity contract through ``podfit.core.capacity``: the
dataclass and the parser live there, once, next to the writer's schema."""

from __future__ import annotations

from pathlib import Path

from podfit.core.capacity import Recommendation, load

__all__ = ["Recommendation", "load_profile"]


def load_profile(path: Path) -> Recommendation:
    """The recommendation in a ``podfit profile --format json`` file (``InputError`` if bad)."""
    return load(path)
