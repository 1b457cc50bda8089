"""``--diff`` / ``--apply``: minimal line edits of the manifests that define the workloads.

Only the value of ``cpu:`` / ``memory:`` under ``resources.requests|limits`` changes (quotes
and trailing comments kept); a missing key is inserted with the indentation of its siblings.
Lines come from ``core.yamlsrc`` (libyaml marks), so nothing else in the file is rewritten.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from podfit.core.kube import POD_SPEC_PATHS, containers, dig
from podfit.core.units import format_cpu, format_memory
from podfit.core.yamlsrc import Map, load_documents
from podfit.recommend.model import Recommendation

_FIELDS = {"cpu_request": ("requests", "cpu"), "memory_request": ("requests", "memory"),
           "cpu_limit": ("limits", "cpu"), "memory_limit": ("limits", "memory")}


@dataclass(frozen=True)
class Outcome:
    path: str
    before: str
    after: str

    def diff(self) -> str:
        return "".join(difflib.unified_diff(
            self.before.splitlines(keepends=True), self.after.splitlines(keepends=True),
            fromfile=f"a/{self.path}", tofile=f"b/{self.path}"))


@dataclass
class Plan:
    outcomes: list[Outcome] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)


def _files(paths: Iterable[str]) -> Iterator[Path]:
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml"))
        elif path.is_file():
            yield path


def _quantity(name: str, value: float) -> str:
    return format_cpu(value) if name.startswith("cpu") else format_memory(value)


@dataclass
class _Edits:
    """Line edits of one file: ``line -> new text`` (None deletes), and insertions."""

    replace: dict[int, str | None] = field(default_factory=dict)
    insert: dict[int, list[str]] = field(default_factory=dict)

    def apply(self, text: str) -> str:
        lines = text.splitlines(keepends=True)
        out: list[str] = []
        for number, line in enumerate(lines, start=1):
            new = self.replace.get(number, line)
            if new is not None:
                out.append(new)
            out += self.insert.get(number, [])
        return "".join(out)


_VALUE = re.compile(r"^(?P<head>[^#]*?:[ \t]*)(?P<q>[\"']?)(?P<v>[^\"'#\s]*)(?P=q)"
                    r"(?P<tail>\s*(#.*)?\n?)$", re.S)


def _set_scalar(line: str, value: str) -> str | None:
    match = _VALUE.match(line)
    if not match:
        return None
    return f"{match['head']}{match['q']}{value}{match['q']}{match['tail']}"


def _edit_container(container: Map, changes: dict[str, float | None], edits: _Edits,
                    lines: list[str]) -> bool:
    resources = container.get("resources")
    if resources is None:  # one new block holds every value
        indent = " " * (container.column - 1)
        new_block = [f"{indent}resources:\n"]
        for section in ("requests", "limits"):
            pairs = [(k, _quantity(n, v)) for n, v in changes.items()
                     if v is not None and _FIELDS[n][0] == section for k in (_FIELDS[n][1],)]
            if pairs:
                new_block.append(f"{indent}  {section}:\n")
                new_block += [f"{indent}    {k}: {text}\n" for k, text in pairs]
        edits.insert.setdefault(container.line_of("name"), []).extend(new_block)
        return True
    if not isinstance(resources, Map) or "{" in lines[container.line_of("resources") - 1]:
        return False  # flow style (resources: {}) is left to a human
    new_sections: dict[str, list[str]] = {}
    for name, value in changes.items():
        section, key = _FIELDS[name]
        text = None if value is None else _quantity(name, value)
        block = resources.get(section) if isinstance(resources, Map) else None
        if isinstance(block, Map) and key in block:
            line = block.line_of(key)
            if text is None:
                edits.replace[line] = None
                if len(block) == 1:
                    edits.replace[resources.line_of(section)] = None
                continue
            new = _set_scalar(lines[line - 1], text)
            if new is None:
                return False
            edits.replace[line] = new
        elif text is None:
            continue
        elif isinstance(block, Map):
            indent = " " * (block.column - 1)
            edits.insert.setdefault(resources.line_of(section), []).append(
                f"{indent}{key}: {text}\n")
        elif block is not None:
            return False  # flow style or odd shape: leave it to a human
        else:
            new_sections.setdefault(section, []).append(f"{key}: {text}")
    indent = " " * (resources.column - 1)
    for section, entries in new_sections.items():
        edits.insert.setdefault(container.line_of("resources"), []).extend(
            [f"{indent}{section}:\n"] + [f"{indent}  {entry}\n" for entry in entries])
    return True


def _covered(obj: object, found: set[tuple[str, str, str]]) -> bool:
    if not isinstance(obj, Map):
        return False
    name = str(dig(obj, "metadata", "name") or "")
    return any((str(obj.get("kind")), name, ref.name) in found for ref in containers(obj))


def plan_edits(recommendations: Iterable[Recommendation], paths: list[str]) -> Plan:
    """What the recommendations would change in the manifests under ``paths``. A directory
    with a ``kustomization.yaml`` is an overlay: its workloads get a patch file listed under
    its ``patches:`` (see ``recommend.kustomize``); its files are not edited in place."""
    from podfit.recommend.kustomize import kustomization_file, plan_patches

    recommendations = list(recommendations)
    wanted = {(r.key.kind, r.key.name, r.key.container): r for r in recommendations
              if r.changes}
    overlays = [Path(p) for p in paths if Path(p).is_dir() and kustomization_file(Path(p))]
    written, found, notes = plan_patches(recommendations, overlays)
    patched = set(found)
    plan = Plan([Outcome(w.path, w.before, w.after) for w in written], notes)
    plain = [p for p in paths if Path(p) not in overlays]
    for file in _files(plain):
        try:
            before = file.read_text(encoding="utf-8")
            documents = list(load_documents(before))
        except Exception:  # unreadable YAML: check reports it, recommend skips
            continue
        lines = before.splitlines(keepends=True)
        edits = _Edits()
        if patched:  # an overlay's patch covers these already
            documents = [d for d in documents if not _covered(d.data, patched)]
        for doc in documents:
            obj = doc.data
            if not isinstance(obj, Map) or obj.get("kind") not in POD_SPEC_PATHS:
                continue
            name = str(dig(obj, "metadata", "name") or "")
            for ref in containers(obj):
                key = (str(obj.get("kind")), name, ref.name)
                rec = wanted.get(key)
                if rec is None or not isinstance(ref.container, Map):
                    continue
                namespace = dig(obj, "metadata", "namespace")
                if namespace and namespace != rec.key.namespace:
                    continue
                found.add(key)
                if not _edit_container(ref.container, rec.changes, edits, lines):
                    plan.unmatched.append(f"{file}: {key[0]}/{name} container {ref.name}: "
                                          "resources not in block style; edit by hand")
        after = edits.apply(before)
        if after != before:
            plan.outcomes.append(Outcome(str(file), before, after))
    for key, rec in wanted.items():
        if key not in found:
            plan.unmatched.append(f"{rec.key}: no manifest defines it")
    return plan
