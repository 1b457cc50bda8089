"""Inline suppressions: ``# podfit: ignore[CODE,…]`` comments and the ``podfit.dev/ignore``
annotation on an object. Suppressions that suppress nothing are reported (PF001)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from podfit.check.documents.kubernetes import KubeObject
from podfit.core.yamlsrc import Map

_COMMENT = re.compile(r"#\s*podfit:\s*ignore\[([^\]]*)\]")
ANNOTATION = "podfit.dev/ignore"


@dataclass
class Suppression:
    path: str
    line: int  # where it is written
    codes: tuple[str, ...]
    first: int  # lines it covers
    last: int
    used: set[str] = field(default_factory=set)


def comment_suppressions(path: str, text: str) -> list[Suppression]:
    """A comment covers its own line and the next non-comment, non-blank line."""
    found: list[Suppression] = []
    if "podfit" not in text:  # most files have none; skip the per-line scan
        return found
    lines = text.splitlines()
    for index, raw in enumerate(lines):
        match = _COMMENT.search(raw)
        if not match:
            continue
        codes = tuple(c.strip().upper() for c in match.group(1).split(",") if c.strip())
        target = index + 1
        own_line = raw.split("#", 1)[0].strip() != ""
        if not own_line:
            while target < len(lines) and (not lines[target].strip() or
                                           lines[target].lstrip().startswith("#")):
                target += 1
        last = index + 1 if own_line else target + 1
        found.append(Suppression(path, index + 1, codes, index + 1, last))
    return found


def annotation_suppressions(obj: KubeObject) -> list[Suppression]:
    raw = obj.annotations.get(ANNOTATION)
    if not raw:
        return []
    codes = tuple(c.strip().upper() for c in str(raw).split(",") if c.strip())
    meta = obj.data.get("metadata")
    line = meta.line_of("annotations") if isinstance(meta, Map) else obj.line
    return [Suppression(obj.path, line, codes, obj.line, obj.end_line)]


def matches(code: str, name: str, wanted: tuple[str, ...]) -> bool:
    """Whether a rule is named by codes, code prefixes (``PF2``) or kebab names."""
    return any(code.startswith(w) or name.upper() == w for w in wanted)
