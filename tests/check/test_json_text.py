"""The JSON report's writer gives json.dumps(indent=2)'s bytes, for any value."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

import pytest

from podfit.report.jsontext import Each, dumps_indented


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


@pytest.mark.parametrize("count", [0, 1, 2, 1201])
def test_each_writes_what_a_list_would(count: int) -> None:
    items = list(range(count))
    def convert(n: int) -> dict[str, object]:
        return {"n": n, "fix": None if n % 2 else {"safety": "safe"}, "links": [str(n)] * (n % 3)}
    payload = {"version": 1, "findings": Each(items, convert), "errors": []}
    expected = {"version": 1, "findings": [convert(n) for n in items], "errors": []}
    assert dumps_indented(payload, "\n") == json.dumps(expected, indent=2) + "\n"
    assert dumps_indented({"x": Each(items, convert), "nan": float("nan")}) == json.dumps(
        {"x": [convert(n) for n in items], "nan": float("nan")}, indent=2)
