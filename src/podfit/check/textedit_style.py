"""How a YAML file is written (line ending, quoting, indentation per block) and how new
values are rendered in that style, so that a fix reads as if the file's author had typed it."""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import yaml

from podfit.check.textedit import newline_of

_RESOLVER = yaml.resolver.Resolver()
_STR = "tag:yaml.org,2002:str"
# Characters that may not start a plain scalar, and sequences that may not appear in one.
_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`")
_FLOW_UNSAFE = set(",[]{}")
_PRINTABLE = re.compile(r"[\x20-\x7e\u00a0-\ud7ff\ue000-\ufffd]*")


@dataclass(frozen=True)
class Quote:
    """The quote a new string takes when it needs one, and whether every string takes it."""

    char: str
    always: bool = False
    keys: bool = False


@dataclass(frozen=True)
class FileStyle:
    """What holds for the whole file: its line ending and its quoting."""

    newline: str
    quote: Quote

    @classmethod
    def of(cls, text: str, roots: list[yaml.Node]) -> FileStyle:
        styles: list[str | None] = []
        keys: list[str | None] = []
        for root in roots:
            for node in _nodes(root):
                if isinstance(node, yaml.MappingNode):
                    styles += [v.style for _, v in node.value if _string(v)]
                    keys += [k.style for k, _ in node.value if _string(k)]
                elif isinstance(node, yaml.SequenceNode):
                    styles += [v.style for v in node.value if _string(v)]
        double, single = styles.count('"'), styles.count("'")
        # A file that quotes most of its string values (or keys, as JSON does) gets its new
        # ones quoted too.
        return cls(newline_of(text), Quote("'" if single > double else '"',
                                  double + single > len(styles) / 2,
                                  len(keys) - keys.count(None) > len(keys) / 2))

    def quote_among(self, values: list[yaml.Node]) -> Quote:
        """The quoting of a new value next to ``values``: theirs when all of their strings
        share one quote, else the file's."""
        styles = {getattr(v, "style", None) for v in values if _string(v)}
        if len(styles) == 1 and (style := next(iter(styles))) in ("'", '"'):
            return Quote(str(style), True, self.quote.keys)
        return self.quote


def _string(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == _STR


@dataclass(frozen=True)
class BlockStyle:
    """Indentation measured at the block being edited (the nearest example wins).

    ``width``: a nested mapping's indent; ``sequence``: a sequence's dash column past its key's
    column (0 when sequences are not indented); ``item``: the dash-to-content offset."""

    width: int
    sequence: int
    item: int


def _nodes(root: yaml.Node) -> Iterator[yaml.Node]:
    stack = [root]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:  # aliases share nodes
            continue
        seen.add(id(node))
        yield node
        if isinstance(node, yaml.MappingNode):
            stack.extend(child for pair in node.value for child in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def parents(root: yaml.Node) -> dict[int, yaml.Node]:
    """Each node's parent collection, by node id."""
    result: dict[int, yaml.Node] = {}
    for node in _nodes(root):
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                result.setdefault(id(key), node)
                result.setdefault(id(value), node)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                result.setdefault(id(item), node)
    return result


def _block(node: yaml.Node) -> bool:
    return isinstance(node, yaml.MappingNode | yaml.SequenceNode) and not node.flow_style


def dash(text: str, seq: yaml.Node) -> tuple[int, int | None]:
    """The column of a block sequence's first "-" and the gap to its item's content (None
    when the content starts on a later line). The node's own mark is no help: with an
    anchor or a tag ("env: &env") it points at those."""
    first = seq.value[0]
    at = first.start_mark.index - 1
    while at >= 0 and text[at] in " \t\r\n":
        at -= 1
    if at < 0 or text[at] != "-":  # pragma: no cover - a comment between dash and item
        return seq.start_mark.column, None
    column = at - (text.rfind("\n", 0, at) + 1)
    inline = "\n" not in text[at:first.start_mark.index]
    return column, (first.start_mark.column - column) if inline else None


def _width(text: str, node: yaml.Node) -> int | None:
    if isinstance(node, yaml.MappingNode) and _block(node):
        for key, value in node.value:
            if isinstance(value, yaml.MappingNode) and _block(value) and value.value:
                inner = value.value[0][0].start_mark
                if inner.line > key.start_mark.line:
                    return int(inner.column - key.start_mark.column)
    return None


def _sequence(text: str, node: yaml.Node) -> int | None:
    if isinstance(node, yaml.MappingNode) and _block(node):
        for key, value in node.value:
            if isinstance(value, yaml.SequenceNode) and _block(value) and value.value:
                return int(dash(text, value)[0] - key.start_mark.column)
    return None


def _item(text: str, node: yaml.Node) -> int | None:
    # Measured at the first item, the one whose dash is found; "-" then a line break is no
    # measure.
    if isinstance(node, yaml.SequenceNode) and _block(node) and node.value:
        first = node.value[0]
        if isinstance(first, yaml.MappingNode) and _block(first) and first.value:
            return dash(text, node)[1]
    return None


def _nearest(text: str, start: yaml.Node, up: dict[int, yaml.Node], roots: list[yaml.Node],
             measure: Callable[[str, yaml.Node], int | None]) -> int | None:
    """Breadth-first from ``start`` through children and parents, then the other documents."""
    queue: deque[yaml.Node] = deque([start])
    seen = {id(start)}
    while queue:
        node = queue.popleft()
        found = measure(text, node)
        if found is not None and found >= 0:
            return found
        near: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            near += [v for _, v in node.value]
        elif isinstance(node, yaml.SequenceNode):
            near += list(node.value)
        if id(node) in up:
            near.append(up[id(node)])
        for other in near:
            if id(other) not in seen:
                seen.add(id(other))
                queue.append(other)
    for root in roots:
        for node in _nodes(root):
            found = measure(text, node)
            if found is not None and found >= 0:
                return found
    return None


def block_style(text: str, start: yaml.Node, up: dict[int, yaml.Node],
                roots: list[yaml.Node]) -> BlockStyle:
    width = _nearest(text, start, up, roots, _width) or 2
    sequence = _nearest(text, start, up, roots, _sequence)
    item = _nearest(text, start, up, roots, _item) or 2
    return BlockStyle(width, width if sequence is None else sequence, item)


# -- rendering ---------------------------------------------------------------------------------
def scalar(value: object, quote: Quote, flow: bool = False) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    if not quote.always and _plain_ok(text, flow):
        return text
    return quoted(text, quote.char)


def quoted(text: str, quote: str) -> str:
    if quote == "'" and _PRINTABLE.fullmatch(text):
        return "'" + text.replace("'", "''") + "'"
    return json.dumps(text, ensure_ascii=False)


def _plain_ok(text: str, flow: bool) -> bool:
    if not text or text != text.strip() or not _PRINTABLE.fullmatch(text):
        return False
    if text[0] in _INDICATORS or ": " in text or " #" in text or text.endswith(":"):
        return False
    if flow and (_FLOW_UNSAFE & set(text)):
        return False
    tag = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    return bool(tag == _STR)


def flow(value: object, quote: Quote) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{scalar_key(k, quote, True)}: {flow(v, quote)}"
                               for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(flow(v, quote) for v in value) + "]"
    return scalar(value, quote, True)


def scalar_key(name: object, quote: Quote, flow: bool = False) -> str:
    """A key, quoted only when it must be or the file quotes its keys (even files that quote
    every value rarely quote keys)."""
    return scalar(name, Quote(quote.char, quote.keys), flow)


def entry_lines(name: str, value: object, column: int, style: BlockStyle,
                quote: Quote) -> list[str]:
    """``name: value`` as block lines whose key starts at ``column``."""
    head = " " * column + scalar_key(name, quote) + ":"
    if isinstance(value, dict) and value:
        return [head, *mapping_lines(value, column + style.width, style, quote)]
    if isinstance(value, list | tuple) and value:
        return [head, *sequence_lines(list(value), column + style.sequence, style, quote)]
    return [f"{head} {flow(value, quote)}"]


def mapping_lines(value: dict[object, object], column: int, style: BlockStyle,
                  quote: Quote) -> list[str]:
    lines: list[str] = []
    for name, item in value.items():
        lines += entry_lines(str(name), item, column, style, quote)
    return lines


def sequence_lines(items: list[object], dash: int, style: BlockStyle,
                   quote: Quote) -> list[str]:
    lines: list[str] = []
    for item in items:
        lead = " " * dash + "-" + " " * (style.item - 1)
        if isinstance(item, dict) and item:
            inner = mapping_lines(item, dash + style.item, style, quote)
            lines += [lead + inner[0].lstrip(" "), *inner[1:]]
        else:
            lines.append(lead + flow(item, quote))
    return lines
