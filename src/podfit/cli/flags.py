"""Typed command-line values: click passes every option as a keyword; commands get them as one
frozen dataclass instead (``flags.workers``, checked by mypy, not ``opts["workers"]``)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import TypeVar

F = TypeVar("F")
Prepare = Callable[[Mapping[str, object]], Mapping[str, object]]


def typed_flags(cls: type[F], prepare: Prepare | None = None,
                ) -> Callable[[Callable[[F], int]], Callable[..., int]]:
    """Decorate a command body taking ``cls``; put it under the ``@click.option`` lines.
    ``prepare`` may fill values first (a verb's config table for the flags not given)."""
    def decorate(body: Callable[[F], int]) -> Callable[..., int]:
        @functools.wraps(body)
        def command(**values: object) -> int:  # the click boundary: cls gives them types
            return body(cls(**(prepare(values) if prepare else values)))
        return command
    return decorate
