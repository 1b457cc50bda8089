"""YAML fixes as minimal text edits: the parser only locates the node; the new lines are
written in the file's own style and everything else stays byte for byte as it was."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import yaml

from podfit.check.textedit_style import (
    FileStyle,
    block_style,
    dash,
    entry_lines,
    flow,
    mapping_lines,
    parents,
    quoted,
    scalar,
    scalar_key,
    sequence_lines,
)
from podfit.core.models import YamlEdit

_MISSING = object()


class CannotEdit(ValueError):
    """The edit is meaningful but this file's shape has no minimal in-place form for it."""


@dataclass(frozen=True)
class Splice:
    start: int
    end: int
    text: str


def compose(text: str) -> list[yaml.Node]:
    """The node tree of every document up to the first one that does not parse (as the
    checker saw them); the pure loader, whose marks are exact string offsets."""
    loader = yaml.SafeLoader(text)
    roots: list[yaml.Node] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                roots.append(node)
    except yaml.YAMLError:
        if not roots:
            raise
    finally:
        loader.dispose()
    return roots


def _construct(node: yaml.Node) -> Any:
    return yaml.constructor.SafeConstructor().construct_document(node)


def _walk(node: yaml.Node | None, path: Iterable[str | int]) -> yaml.Node | None:
    for step in path:
        if isinstance(node, yaml.MappingNode) and isinstance(step, str):
            found = _find(node, step)
            node = found[1] if found else None
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            node = node.value[step] if -len(node.value) <= step < len(node.value) else None
        else:
            return None
    return node


def _find(mapping: yaml.MappingNode, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    found = None
    for pair in mapping.value:  # the last one wins, as in every loader
        if isinstance(pair[0], yaml.ScalarNode) and pair[0].value == key:
            found = pair
    return found


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def _flow(node: yaml.Node) -> bool:
    return isinstance(node, yaml.MappingNode | yaml.SequenceNode) and bool(node.flow_style)


def content_end(text: str, node: yaml.Node) -> int:
    """Offset just past the last non-blank character that belongs to ``node``."""
    while not _flow(node) and isinstance(node, yaml.MappingNode | yaml.SequenceNode) \
            and node.value:
        node = node.value[-1][1] if isinstance(node, yaml.MappingNode) else node.value[-1]
    end = node.end_mark.index
    while end > node.start_mark.index and text[end - 1] in " \t\r\n":
        end -= 1
    return end


def _line_after(text: str, offset: int) -> int:
    newline = text.find("\n", offset)
    return len(text) if newline < 0 else newline + 1


class _Editor:
    def __init__(self, text: str, roots: list[yaml.Node], root: yaml.Node) -> None:
        self.text = text
        self.roots = roots
        self.up = parents(root)
        self.file = FileStyle.of(text, roots)

    def lines_after(self, node: yaml.Node, lines: list[str]) -> Splice:
        """New whole lines after the line where ``node``'s content ends."""
        nl, text = self.file.newline, self.text
        at = _line_after(text, content_end(text, node))
        if at == len(text) and text and not text.endswith("\n"):
            return Splice(at, at, nl + nl.join(lines))
        return Splice(at, at, "".join(line + nl for line in lines))

    def _flow_after(self, collection: yaml.Node, first: yaml.Node, last: yaml.Node,
                    entry: str) -> Splice:
        """``entry`` after the last one of a flow collection: on its line, or on a line of its
        own at the same column when the collection has one entry per line (as JSON has)."""
        end = last.end_mark.index
        if first.start_mark.line > collection.start_mark.line:
            return Splice(end, end, "," + self.file.newline + " " * first.start_mark.column
                          + entry)
        return Splice(end, end, ", " + entry)

    def insert_entry(self, mapping: yaml.MappingNode, key: str, value: object) -> list[Splice]:
        quote = self.file.quote_among([v for _, v in mapping.value])
        if mapping.flow_style:
            entry = f"{scalar_key(key, quote, True)}: {flow(value, quote)}"
            if not mapping.value:
                at = self.text.index("{", mapping.start_mark.index) + 1  # past "&a" or a tag
                return [Splice(at, at, entry)]
            return [self._flow_after(mapping, mapping.value[-1][0], mapping.value[-1][1], entry)]
        if not mapping.value:  # pragma: no cover - an empty block mapping does not exist
            raise CannotEdit("empty block mapping")
        column = mapping.value[0][0].start_mark.column
        style = block_style(self.text, mapping, self.up, self.roots)
        return [self.lines_after(mapping, entry_lines(key, value, column, style, quote))]

    def append_item(self, seq: yaml.SequenceNode, value: object) -> list[Splice]:
        quote = self.file.quote_among(seq.value)
        if seq.flow_style:
            if not seq.value:
                at = self.text.index("[", seq.start_mark.index) + 1
                return [Splice(at, at, flow(value, quote))]
            return [self._flow_after(seq, seq.value[-1], seq.value[-1], flow(value, quote))]
        column, gap = dash(self.text, seq)
        if _flow(seq.value[-1]):  # "- {name: A, value: b}" items stay so
            line = " " * column + "-" + " " * ((gap or 2) - 1) + flow(value, quote)
            return [self.lines_after(seq, [line])]
        style = block_style(self.text, seq, self.up, self.roots)
        return [self.lines_after(seq, sequence_lines([value], column, style, quote))]

    def replace(self, mapping: yaml.MappingNode, key: yaml.Node, old: yaml.Node,
                value: object) -> list[Splice]:
        quote = self.file.quote_among([v for _, v in mapping.value])
        collection = isinstance(value, dict | list | tuple) and bool(value)
        start, end = old.start_mark.index, old.end_mark.index
        if isinstance(old, yaml.ScalarNode) and not collection:
            if old.style in ("'", '"') and isinstance(value, str):
                new = quoted(value, old.style)
            elif isinstance(value, dict | list | tuple):  # empty: "{}" or "[]"
                new = flow(value, quote)
            else:
                new = scalar(value, quote, bool(mapping.flow_style))
            return [Splice(start, end, new if start < end else " " + new)]
        if mapping.flow_style or _flow(old):
            return [Splice(start, end, flow(value, quote))]
        if isinstance(old, yaml.ScalarNode) and _is_null(old):
            # "key:" or "key: null" becomes "key:" with the new block under it; a comment
            # after the key stays on its line.
            column = key.start_mark.column
            style = block_style(self.text, mapping, self.up, self.roots)
            if isinstance(value, dict):
                lines = mapping_lines(value, column + style.width, style, quote)
            else:
                lines = sequence_lines(list(value), column + style.sequence,  # type: ignore[call-overload]
                                       style, quote)
            while start < end and self.text[start - 1] in " \t":  # "key: ~" becomes "key:"
                start -= 1
            drop = [Splice(start, end, "")] if start < end else []
            return [*drop, self.lines_after(key, lines)]
        raise CannotEdit("replacing a block collection in place")


def apply_edit(text: str, edit: YamlEdit) -> str:
    """``text`` with ``edit`` applied (unchanged when it does not apply or is already there);
    raises :class:`CannotEdit` or ``yaml.YAMLError``."""
    roots = compose(text)
    if not 0 <= edit.document < len(roots):
        return text
    root = roots[edit.document]
    mapping = _walk(root, edit.path)
    if not isinstance(mapping, yaml.MappingNode):
        return text
    editor = _Editor(text, roots, root)
    found = _find(mapping, edit.key)
    current: Any = _construct(found[1]) if found else _MISSING
    if edit.op == "append":
        if found is not None and isinstance(found[1], yaml.SequenceNode):
            if edit.value in current:
                return text
            splices = editor.append_item(found[1], edit.value)
        elif current is None or current is _MISSING:
            splices = _set(editor, mapping, edit.key, found, [edit.value])
        else:
            return text
    elif (edit.op == "setdefault" and found is not None) or current == edit.value:
        return text
    else:
        splices = _set(editor, mapping, edit.key, found, edit.value)
    for splice in sorted(splices, key=lambda s: s.start, reverse=True):
        text = text[:splice.start] + splice.text + text[splice.end:]
    return text


def _set(editor: _Editor, mapping: yaml.MappingNode, key: str,
         found: tuple[yaml.Node, yaml.Node] | None, value: object) -> list[Splice]:
    if found is None:
        return editor.insert_entry(mapping, key, value)
    return editor.replace(mapping, found[0], found[1], value)
