"""Which inputs may relate to each other: the *unit* rule.

A repository often holds the same application several times over (a Kustomize overlay, a
values file or a folder per environment or cluster). Objects of one copy must not select,
scale or route to the pods of another, so every relation is looked up inside a unit:

    The unit of a file is the highest directory above it (up to the root of its path) in
    which no object kind/namespace/name is defined in two different directories. Files in
    one directory always share a unit.

One project without repeated names is one unit, so nothing changes for it; ten sibling copies
of a project are ten units; ``base/`` and ``overlays/{dev,prod}/`` that repeat a name are
three. Dockerfiles, scripts and configs are found in the unit's tree or in a directory above
it (a shared base), never in a sibling unit.
"""

from __future__ import annotations

import itertools
import posixpath
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


def _parts(directory: str) -> tuple[str, ...]:
    return tuple(p for p in directory.split("/") if p) if directory not in {"", "."} else ()


def directory_of(path: str) -> str:
    return posixpath.dirname(path)


@dataclass(frozen=True)
class Scope:
    """The unit of every input directory (computed once from the objects' identities)."""

    #: directory -> its unit (a directory, as components; ``()`` is the root)
    units: Mapping[str, tuple[str, ...]]
    by_path: Mapping[str, tuple[str, ...]]  # the same, for every input file (asked often)

    @classmethod
    def of(cls, identities: Iterable[tuple[str, tuple[str, str, str]]],
           paths: Iterable[str]) -> Scope:
        """``identities``: (file path, (kind, namespace, name)) of every object;
        ``paths``: every other input."""
        homes: dict[tuple[str, str, str], set[tuple[str, ...]]] = defaultdict(set)
        files = set(paths)
        parts_of: dict[str, tuple[str, ...]] = {}
        for path, identity in identities:
            files.add(path)
            directory = directory_of(path)
            parts = parts_of.get(directory)
            if parts is None:
                parts = parts_of[directory] = _parts(directory)
            homes[identity].add(parts)
        dirs = {directory_of(p) for p in files}
        # A directory "clashes" when an identity is defined in two directories below it: the
        # common ancestor of two such directories and everything above it clash. The ancestors
        # of the common prefix of neighbours in sorted order cover every pair.
        clashing: set[tuple[str, ...]] = set()
        for places in homes.values():
            if len(places) < 2:
                continue
            ordered = sorted(places)
            for a, b in itertools.pairwise(ordered):
                common = 0
                while common < min(len(a), len(b)) and a[common] == b[common]:
                    common += 1
                for depth in range(common + 1):
                    clashing.add(a[:depth])
        units: dict[str, tuple[str, ...]] = {}
        for directory in dirs:
            parts = _parts(directory)
            unit = parts
            for depth in range(len(parts) + 1):  # the highest ancestor that does not clash
                if parts[:depth] not in clashing:
                    unit = parts[:depth]
                    break
            units[directory] = unit
        return cls(units, {p: units[directory_of(p)] for p in files})

    def unit(self, path: str) -> tuple[str, ...]:
        """The unit of the input at ``path``."""
        found = self.by_path.get(path)
        if found is not None:
            return found
        directory = directory_of(path)
        found = self.units.get(directory)
        return found if found is not None else _parts(directory)

    def sees(self, unit: tuple[str, ...], path: str) -> bool:
        """Whether a file at ``path`` may serve objects of ``unit``: it lies inside the unit's
        tree or in a directory above it."""
        parts = _parts(directory_of(path))
        shorter = min(len(parts), len(unit))
        return parts[:shorter] == unit[:shorter]
