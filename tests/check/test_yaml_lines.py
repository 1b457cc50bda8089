"""Key lines of the lean line map (core/yamlsrc.py): in order, after merges and repeats."""

from __future__ import annotations

from podfit.core.yamlsrc import Map, load_documents


def _first(text: str) -> Map:
    data = next(load_documents(text)).data
    assert isinstance(data, Map)
    return data


def test_key_lines_follow_the_keys() -> None:
    data = _first("a: 1\nb:\n  c: 2\nd: [1]\n")
    assert [data.line_of(k) for k in ("a", "b", "d", "missing")] == [1, 2, 4, 1]
    assert data["b"].line_of("c") == 3


def test_a_repeated_key_takes_its_last_line() -> None:
    data = _first("a: 1\nb: 2\na: 3\n")
    assert data == {"a": 3, "b": 2}
    assert (data.line_of("a"), data.line_of("b")) == (3, 2)


def test_merged_keys_take_the_mapping_line() -> None:
    data = _first("base: &b\n  x: 1\n  y: 2\nuse:\n  <<: *b\n  z: 3\n  x: 9\n")
    use = data["use"]
    assert use == {"x": 9, "y": 2, "z": 3}
    assert (use.line_of("z"), use.line_of("x"), use.line_of("y")) == (6, 7, use.line)


def test_scalar_types_hold_when_values_repeat() -> None:
    text = "a: 1\nb: '1'\nc: yes\nd: ~\ne: 1.5\nf: !!str 2\ng: |\n  1\nh: 0x10\ni: ''\n"
    expected = {"a": 1, "b": "1", "c": True, "d": None, "e": 1.5, "f": "2", "g": "1\n",
                "h": 16, "i": ""}
    for _ in range(2):  # the second pass reads the tags cached by the first
        assert _first(text) == expected
        assert next(load_documents("- 1\n- '1'\n- yes\n- x\n")).data == [1, "1", True, "x"]
