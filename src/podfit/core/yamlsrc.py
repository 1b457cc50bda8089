"""Fast YAML loading (libyaml) into plain dicts and lists that remember their line numbers.

Rules need lines for every key; PyYAML's constructors drop them. Composing nodes with libyaml
and building the values ourselves keeps the lines, caps alias expansion (YAML "billion
laughs") and costs about what ``yaml.load`` costs.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import yaml

try:  # libyaml is ~10x faster; the pure loader is the fallback, never a requirement
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

#: Values built from one document at most; beyond this an alias bomb is assumed.
MAX_NODES = 2_000_000
#: Deepest nesting built (real manifests stay below ~20); deeper input would exhaust the
#: Python stack of the builder and of every rule that walks the data.
MAX_DEPTH = 200


class YamlTooLarge(ValueError):
    """A document expands (through aliases) past :data:`MAX_NODES` values."""


class Map(dict[str, Any]):
    """A mapping that knows the line and column of itself and the line of each key (1-based).

    Key lines are a list in key order (the mapping's own order), not a dict of tuples: the
    line maps were most of the memory a large repository costs. A mapping whose order is not
    its keys' (a ``<<`` merge, a repeated key) keeps a dict instead.
    """

    __slots__ = ("_lines", "column", "line")

    def __init__(self, line: int, column: int) -> None:
        super().__init__()
        self.line = line
        self.column = column
        self._lines: list[int] | dict[str, int] = []

    def line_of(self, key: str) -> int:
        """Line of ``key`` when present, else the mapping's own line."""
        lines = self._lines
        if isinstance(lines, dict):
            return lines.get(key, self.line)
        if key in self:
            for index, name in enumerate(self):
                if name == key:
                    return lines[index]
        return self.line

    def value_line(self, key: str) -> int:
        value = self.get(key)
        if isinstance(value, Map | Seq):
            return value.line
        return self.line_of(key)


class Seq(list[Any]):
    """A sequence that knows its own line and each item's line (1-based)."""

    __slots__ = ("column", "item_lines", "line")

    def __init__(self, line: int, column: int) -> None:
        super().__init__()
        self.line = line
        self.column = column
        self.item_lines: list[int] = []


@dataclass(frozen=True)
class YamlDocument:
    """One document of a YAML stream."""

    index: int
    data: Any
    line: int


_ANCHOR = re.compile(r"(?:^|[\s\[{,])&[^\s&]")
_ALIAS = re.compile(r"(?:^|[\s\[{,])\*[^\s*]")
_BOOL = {"true": True, "false": False, "yes": True, "no": False, "on": True, "off": False}


_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_Scalar = yaml.ScalarNode
#: Keys repeat in every object ("name", "image"…); one string each keeps ten overlays of a
#: repository from holding ten copies of every key.
_intern = sys.intern


class _Builder:
    """Builds one document's values. Hot path of ``check``: plain strings (most scalars and
    nearly all keys) are taken inline, without a call."""

    def __init__(self) -> None:
        self.count = 0
        self._constructor: yaml.constructor.SafeConstructor | None = None

    def build(self, node: yaml.Node, depth: int = 0) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise YamlTooLarge(f"more than {MAX_NODES:,} values (an alias bomb?)")
        cls = type(node)
        if cls is _Scalar:
            return node.value if node.tag == _STR else self._scalar_value(node)
        if depth > MAX_DEPTH:
            raise yaml.constructor.ConstructorError(
                None, None, f"nested more than {MAX_DEPTH} levels deep", node.start_mark)
        depth += 1
        if cls is yaml.MappingNode:
            mark = node.start_mark
            result = Map(mark.line + 1, mark.column + 1)
            lines: list[int] = []
            result._lines = lines
            merged_any = False
            for key_node, value_node in node.value:
                if type(key_node) is not _Scalar:
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping", node.start_mark,
                        "found a mapping or list used as a key (an unrendered template?)",
                        key_node.start_mark)
                tag = key_node.tag
                if tag == _STR:
                    key = _intern(key_node.value)
                elif tag == _MERGE:
                    merged_any = True
                    merged = self.build(value_node, depth)
                    for item in merged if isinstance(merged, list) else [merged]:
                        if isinstance(item, dict):
                            for k, v in item.items():
                                result.setdefault(k, v)
                    continue
                else:
                    key = self._scalar_value(key_node)
                    if not isinstance(key, str):
                        key = str(key)
                if type(value_node) is _Scalar and value_node.tag == _STR:
                    self.count += 1
                    result[key] = _intern(value_node.value)
                else:
                    result[key] = self.build(value_node, depth)
                lines.append(key_node.start_mark.line + 1)
            if merged_any or len(lines) != len(result):
                result._lines = self._line_dict(node)
            return result
        if cls is yaml.SequenceNode:
            mark = node.start_mark
            seq = Seq(mark.line + 1, mark.column + 1)
            lines = seq.item_lines
            for item in node.value:
                seq.append(self.build(item, depth))
                lines.append(item.start_mark.line + 1)
            return seq
        return self._scalar_value(node)  # pragma: no cover - composers make only these three

    def _line_dict(self, node: yaml.Node) -> dict[str, int]:
        """Key lines of a mapping whose order is not its keys' (merges, repeated keys): the
        last occurrence of a key wins, merged keys take the mapping's line."""
        found: dict[str, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE:
                continue
            key = key_node.value if key_node.tag == _STR else self._scalar_value(key_node)
            found[key if isinstance(key, str) else str(key)] = key_node.start_mark.line + 1
        return found

    @property
    def _scalar(self) -> yaml.constructor.SafeConstructor:
        if self._constructor is None:
            self._constructor = yaml.constructor.SafeConstructor()
        return self._constructor

    def _scalar_value(self, node: yaml.Node) -> Any:
        tag = node.tag
        if tag == "tag:yaml.org,2002:str":
            return node.value
        if tag == "tag:yaml.org,2002:int":
            try:
                return int(node.value.replace("_", ""), 0) if node.value[:2] in (
                    "0x", "0o", "0b") else int(node.value.replace("_", ""))
            except ValueError:
                return self._scalar.construct_object(node)
        if tag == "tag:yaml.org,2002:bool":
            return _BOOL.get(node.value.lower(), node.value)
        if tag == "tag:yaml.org,2002:null":
            return None
        if tag in ("tag:yaml.org,2002:float", "tag:yaml.org,2002:timestamp",
                   "tag:yaml.org,2002:binary"):
            return self._scalar.construct_object(node)
        return node.value  # unknown tags (!Ref, !!python/...) stay plain text; never executed


#: Tags of plain scalars already resolved, by value (short values only: they repeat).
_TAGS: dict[str, str] = {}
_TAGGED_LENGTH, _TAGS_KEPT = 64, 50_000
_resolve: Callable[..., Any] = yaml.resolver.BaseResolver.resolve


class _FastLoader(_Loader):
    """libyaml's loader with PyYAML's resolver made cheap: the C composer calls back into
    Python for every node, and the safe schema has no path resolvers, so a scalar's tag
    depends on its text alone (cached) and descending into a node does nothing."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is _Scalar:
            if not implicit[0]:
                return _STR  # quoted or block scalar: always a string in the safe schema
            tag = _TAGS.get(value)
            if tag is None:
                tag = _resolve(self, kind, value, implicit)
                if len(value) < _TAGGED_LENGTH and len(_TAGS) < _TAGS_KEPT:
                    _TAGS[value] = tag
            return tag
        return _resolve(self, kind, value, implicit)

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        del current_node, current_index

    def ascend_resolver(self) -> None:
        pass


def _expanded_size(root: yaml.Node) -> int:
    """How many values ``root`` builds into once aliases are expanded, counted without
    expanding them (each distinct node once), capped just above :data:`MAX_NODES`."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, ready = stack.pop()
        if id(node) in sizes:
            continue
        if isinstance(node, yaml.MappingNode):
            children = [child for pair in node.value for child in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        else:
            sizes[id(node)] = 1
            continue
        if ready:
            sizes[id(node)] = min(MAX_NODES + 1, 1 + sum(sizes[id(c)] for c in children))
        else:
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
    return sizes[id(root)]


def load_documents(text: str) -> Iterator[YamlDocument]:
    """Yield every document of ``text``; raises ``yaml.YAMLError`` (also for nesting deeper
    than :data:`MAX_DEPTH`) or :class:`YamlTooLarge`.

    Documents before a syntax error are yielded first, so callers can keep them.
    """
    # No anchor and alias, no expansion to count ("&&" and "dir/*" in shell commands are not).
    has_anchors = "&" in text and "*" in text and bool(
        _ANCHOR.search(text) and _ALIAS.search(text))
    loader = _FastLoader(text)
    try:
        index = 0
        while loader.check_node():
            node = loader.get_node()
            if node is None:  # pragma: no cover - check_node said there is one
                break
            if has_anchors and _expanded_size(node) > MAX_NODES:
                raise YamlTooLarge(f"more than {MAX_NODES:,} values (an alias bomb?)")
            builder = _Builder()
            yield YamlDocument(index, builder.build(node), node.start_mark.line + 1)
            index += 1
    finally:
        loader.dispose()
