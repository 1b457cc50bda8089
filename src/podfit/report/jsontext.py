"""``json.dumps(value, indent=2)``, byte for byte, about three times faster.

The standard library uses its C encoder only without ``indent``; with it, every value goes
through a chain of Python generators, which made the JSON report ~10% of a ``check`` run on
a large repository. Strings are escaped by the same C function ``json`` uses; anything this
writer does not know (a float NaN, a non-string key, an unknown type) is left to ``json``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring_ascii
from typing import Any


@dataclass(frozen=True)
class Each:
    """A JSON array of ``convert(item)`` for each item, converted one at a time as it is
    written: a report of many findings never holds all their dicts at once."""

    items: Sequence[Any]
    convert: Callable[[Any], Any]

    def plain(self) -> list[Any]:
        return [self.convert(item) for item in self.items]


#: Items of an :class:`Each` written per batch.
_BATCH = 500


class _Unhandled(Exception):
    """A value ``json`` formats in a way this writer does not repeat."""


def dumps_indented(value: Any, end: str = "") -> str:
    """The text ``json.dumps(value, indent=2)`` returns, followed by ``end``."""
    out: list[str] = []
    try:
        _write(value, "\n", out)
    except _Unhandled:
        return json.dumps(_plain(value), indent=2) + end
    out.append(end)
    return "".join(out)


def _plain(value: Any) -> Any:
    if isinstance(value, Each):
        return value.plain()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _scalar(value: Any) -> str:
    # The order of json's encoder: str, None, True, False, int, float.
    if isinstance(value, str):
        return encode_basestring_ascii(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float) and math.isfinite(value):
        return float.__repr__(value)
    raise _Unhandled


#: Exact types written without a call into :func:`_scalar` (the common case).
_EXACT: dict[type, Any] = {str: encode_basestring_ascii, int: int.__repr__,
                           bool: lambda v: "true" if v else "false",
                           type(None): lambda v: "null"}


def _text(value: Any, newline: str) -> str:
    write = _EXACT.get(type(value))
    if write is not None:
        return str(write(value))
    if isinstance(value, list | tuple | dict | Each):
        out: list[str] = []
        _write(value, newline, out)
        return "".join(out)
    return _scalar(value)


def _write_parts(value: dict[str, Any], inner: str, out: list[str]) -> None:
    """A mapping holding a long :class:`Each` (the report itself), piece by piece."""
    separator = "{" + inner
    for key, item in value.items():
        out.append(separator + encode_basestring_ascii(key) + ": ")
        separator = "," + inner
        _write(item, inner, out)
    out.append(inner[:-2] + "}")


def _write(value: Any, newline: str, out: list[str]) -> None:
    inner = newline + "  "
    exact = _EXACT.get
    if isinstance(value, Each):
        if not value.items:
            out.append("[]")
            return
        # In batches: the small strings of one batch are freed (and their memory reused)
        # before the next, so the report never holds each item's text twice.
        # Pieces go to ``out`` as they are, joined once: a long report is never copied.
        separator, items = "," + inner, value.items
        out.append("[" + inner)
        for start in range(0, len(items), _BATCH):
            if start:
                out.append(separator)
            out.append(separator.join([_text(value.convert(item), inner)
                                       for item in items[start:start + _BATCH]]))
        out.append(newline + "]")
    elif isinstance(value, list | tuple):
        if not value:
            out.append("[]")
            return
        out.append("[" + inner + ("," + inner).join([
            w(item) if (w := exact(type(item))) else _text(item, inner) for item in value])
            + newline + "]")
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        for key in value:
            if not isinstance(key, str):
                raise _Unhandled
        if any(isinstance(item, Each) for item in value.values()):
            _write_parts(value, inner, out)
        else:
            out.append("{" + inner + ("," + inner).join([
                encode_basestring_ascii(key) + ": "
                + (w(item) if (w := exact(type(item))) else _text(item, inner))
                for key, item in value.items()]) + newline + "}")
    else:
        out.append(_scalar(value))
