"""The JSON report's writer gives json.dumps(indent=2)'s bytes, for any value."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

import pytest

from podfit.report.jsontext import dumps_indented


class _Level(StrEnum):
    HIGH = "high"


@pytest.mark.parametrize("value", [
    {}, [], "", 0, None, True, 1.5, float("nan"), {1: "int key"}, (1, 2),
    {"a": [], "b": {}, "c": [[], [{}]], "d": "é\u2028\"\\\n", "e": [1, 2.0, False, None]},
    {"level": _Level.HIGH, "big": 10**30, "neg": -0.0, "inf": float("inf")},
])
def test_same_bytes_as_json(value: Any) -> None:
    assert dumps_indented(value) == json.dumps(value, indent=2)


def test_unknown_types_still_fail_as_in_json() -> None:
    with pytest.raises(TypeError):
        dumps_indented({"x": object()})
