"""Kubernetes quantities: ``500m`` CPU, ``512Mi`` memory, to numbers and back."""

from __future__ import annotations

import re

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {
    "n": 1e-9, "u": 1e-6, "m": 1e-3, "": 1.0,
    "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
}
_QUANTITY = re.compile(r"^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([a-zA-Z]{0,2})\s*$")


def parse_quantity(value: object) -> float:
    """Return the numeric value of a Kubernetes quantity (``"1.5Gi"`` → 1610612736.0).

    Raises ``ValueError`` for anything that is not a quantity.
    """
    if isinstance(value, bool):
        raise ValueError(f"not a quantity: {value!r}")
    if isinstance(value, int | float):
        return float(value)
    if not isinstance(value, str):
        raise ValueError(f"not a quantity: {value!r}")
    match = _QUANTITY.match(value)
    if not match:
        raise ValueError(f"not a quantity: {value!r}")
    number, suffix = float(match.group(1)), match.group(2)
    if suffix in _BINARY:
        return number * _BINARY[suffix]
    if suffix in _DECIMAL:
        return number * _DECIMAL[suffix]
    raise ValueError(f"unknown suffix {suffix!r} in {value!r}")


def parse_cpu(value: object) -> float:
    """CPU cores from ``"250m"``, ``"0.5"``, ``2``."""
    return parse_quantity(value)


def parse_memory(value: object) -> int:
    """Bytes from ``"512Mi"``, ``"1G"``, ``134217728``."""
    return int(parse_quantity(value))


def format_cpu(cores: float) -> str:
    """Cores as a Kubernetes quantity: whole cores stay plain, the rest become millicores."""
    millis = round(cores * 1000)
    if millis % 1000 == 0:
        return str(millis // 1000)
    return f"{millis}m"


def format_memory(num_bytes: float) -> str:
    """Bytes as the largest exact-enough binary quantity, rounded up to a whole Mi."""
    mib = -(-int(num_bytes) // 2**20)  # ceiling: a limit rounded down could OOM
    if mib % 1024 == 0 and mib:
        return f"{mib // 1024}Gi"
    return f"{mib}Mi"


def parse_duration(value: str) -> float:
    """Seconds from ``"200ms"``, ``"1.5s"``, ``"2m"`` or a bare number of seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*", value)
    if not match:
        raise ValueError(f"not a duration: {value!r} (try 200ms, 1.5s or 2m)")
    scale = {"ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}[match.group(2)]
    return float(match.group(1)) * scale
