"""Property test of the minimal YAML editor: for any document written in any of the usual
styles and any edit a rule can make, the edited text parses to exactly the original plus the
edit (or the editor declines), and a second application changes nothing."""

from __future__ import annotations

import io
import os
import string
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from podfit.check.fixer import expect, parse
from podfit.check.textedit_yaml import CannotEdit, apply_edit
from podfit.core.models import YamlEdit

# Keys start with a letter that no YAML 1.1 boolean or null starts with ("yes" is loaded as
# the key "True"; rules never look such keys up).
KEYS = st.text(string.ascii_lowercase + "-./", max_size=5).map(lambda k: "k" + k)
SCALARS = st.one_of(st.integers(-5, 5), st.booleans(), st.none(),
                    st.text(string.ascii_letters + string.digits + " :-#'\"/,{}\né", max_size=12))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, min_size=1, max_size=3)),
    max_leaves=12)
DOCS = st.dictionaries(KEYS, VALUES, min_size=1, max_size=4)


def _emit(data: Any, style: int) -> str:
    if style < 3:  # PyYAML: sequences at their key's column, 2- or 4-space mappings, flow
        return yaml.safe_dump(data, indent=2 + 2 * (style == 1),
                              default_flow_style=None if style == 2 else False, sort_keys=False)
    rt = YAML(typ="rt")  # ruamel: indented sequences
    wide = 2 * (style == 4)
    rt.indent(mapping=2 + wide, sequence=4 + wide, offset=2 + wide)
    out = io.StringIO()
    rt.dump(data, out)
    return out.getvalue()


def _mappings(value: Any, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    found = [path] if isinstance(value, dict) else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _mappings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _mappings(item, (*path, index))
    return found


@settings(max_examples=int(os.environ.get("PODFIT_FUZZ_EXAMPLES", "150")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(DOCS, st.integers(0, 4), st.data(), st.booleans())
def test_edit_is_exactly_the_change(data: dict[str, Any], style: int, draw: st.DataObject,
                                    crlf: bool) -> None:
    text = _emit(data, style)
    if crlf:
        text = text.replace("\n", "\r\n")
    path = draw.draw(st.sampled_from(_mappings(data)))
    op = draw.draw(st.sampled_from(["set", "setdefault", "append"]))
    edit = YamlEdit(0, path, draw.draw(KEYS), draw.draw(VALUES), op)
    try:
        new = apply_edit(text, edit)
    except CannotEdit:
        return
    assert parse(new) == expect(parse(text), [edit]), (text, new)
    assert apply_edit(new, edit) == new
    if crlf:
        assert "\n" not in new.replace("\r\n", "")
    target: Any = data
    for step in path:
        target = target[step]
    if not (op == "set" and edit.key in target):  # else the old value's lines go
        untouched = [line for line in text.splitlines() if line not in new.splitlines()]
        assert len(untouched) <= 1, untouched  # at most one line (a flow collection) rewritten


@pytest.mark.parametrize("text", ["a: 1\n", "a: {b: 1}\n", "- 1\n", "a:\n  - {b: 1}\n"])
def test_edits_on_odd_roots(text: str) -> None:
    for edit in (YamlEdit(0, (), "z", [1], "append"), YamlEdit(0, ("a",), "z", {"y": 1})):
        new = apply_edit(text, edit)
        assert parse(new) == expect(parse(text), [edit])


ONE_LINE = st.recursive(
    st.one_of(st.integers(-5, 5), st.booleans(),
              st.text(string.ascii_letters + " -/:", max_size=8)),
    lambda inner: st.one_of(st.lists(inner, min_size=1, max_size=3),
                            st.dictionaries(KEYS, inner, min_size=1, max_size=3)),
    max_leaves=10)


@settings(max_examples=int(os.environ.get("PODFIT_FUZZ_EXAMPLES", "150")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(KEYS, ONE_LINE, min_size=1, max_size=4), st.integers(0, 4), st.data())
def test_comments_and_blank_lines_stay(data: dict[str, Any], style: int,
                                       draw: st.DataObject) -> None:
    # Every scalar fits on its line, so a comment or a blank line can go between any two.
    lines = _emit(data, style).splitlines()
    marked = []
    for line in lines:
        extra = draw.draw(st.sampled_from(["", "comment", "blank", "trailing"]))
        if extra == "comment":
            marked.append(" " * (len(line) - len(line.lstrip())) + "# note")
        elif extra == "blank":
            marked.append("")
        marked.append(line + ("  # why" if extra == "trailing" and line.endswith(":") else ""))
    text = "\n".join(marked) + "\n"
    path = draw.draw(st.sampled_from(_mappings(data)))
    edit = YamlEdit(0, path, draw.draw(KEYS), draw.draw(ONE_LINE),
                    draw.draw(st.sampled_from(["set", "setdefault", "append"])))
    try:
        new = apply_edit(text, edit)
    except CannotEdit:
        return
    assert parse(new) == expect(parse(text), [edit]), (text, new)
    old_lines, new_lines = text.splitlines(), new.splitlines()
    assert [line for line in old_lines if "#" in line or not line] == [
        line for line in new_lines if "#" in line or not line]  # comments, blanks: all kept
