"""``--apply`` for workloads that a Kustomize overlay generates: a strategic-merge patch file
per workload beside the ``kustomization.yaml``, listed under its ``patches:``.

The overlay is rendered with the real ``kubectl kustomize`` (or ``kustomize build``) to find
which workloads it makes; a patch names a workload as the overlay sees it *before* its own
``namePrefix``/``nameSuffix`` (that is how kustomize matches patches). A CPU limit that should
go is ``cpu: null`` (strategic merge deletes the key). Re-running rewrites the same file and
lists it once.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from podfit.core.kube import POD_SPEC_PATHS, dig
from podfit.core.units import format_cpu, format_memory
from podfit.recommend.model import Recommendation

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_FIELDS = {"cpu_request": ("requests", "cpu"), "memory_request": ("requests", "memory"),
           "cpu_limit": ("limits", "cpu"), "memory_limit": ("limits", "memory")}


@dataclass(frozen=True)
class Written:
    """One file as it is and as it would be (``before`` is empty for a new file)."""

    path: str
    before: str
    after: str


def kustomization_file(directory: Path) -> Path | None:
    for name in KUSTOMIZATION_NAMES:
        if (directory / name).is_file():
            return directory / name
    return None


def render(directory: Path) -> list[dict[str, Any]]:
    """The objects the overlay builds, from the real kustomize; [] when none is installed
    or the build fails (the caller reports the workloads as unmatched)."""
    if shutil.which("kubectl"):
        argv = ["kubectl", "kustomize", str(directory)]
    elif shutil.which("kustomize"):
        argv = ["kustomize", "build", str(directory)]
    else:
        return []
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        return []
    return [doc for doc in yaml.safe_load_all(done.stdout) if isinstance(doc, dict)]


def _original_name(rendered: str, overlay: dict[str, Any]) -> str:
    prefix, suffix = str(overlay.get("namePrefix") or ""), str(overlay.get("nameSuffix") or "")
    name = rendered
    if prefix and name.startswith(prefix):
        name = name[len(prefix):]
    if suffix and name.endswith(suffix):
        name = name[: -len(suffix)]
    return name


def _patch_text(obj: dict[str, Any], name: str,
                changes: dict[str, dict[str, float | None]]) -> str:
    """One strategic-merge patch for a workload: each changed container by name."""
    containers = []
    for container, fields in changes.items():
        resources: dict[str, dict[str, str | None]] = {}
        for field_name, value in fields.items():
            section, key = _FIELDS[field_name]
            text = None if value is None else (
                format_cpu(value) if key == "cpu" else format_memory(value))
            resources.setdefault(section, {})[key] = text  # None: strategic merge deletes
        containers.append({"name": container, "resources": resources})
    pod: dict[str, Any] = {"containers": containers}
    for part in reversed(POD_SPEC_PATHS[str(obj["kind"])]):
        pod = {part: pod}
    patch = {"apiVersion": obj.get("apiVersion", "apps/v1"), "kind": obj["kind"],
             "metadata": {"name": name}, **pod}
    return ("# podfit recommend: requests and limits from the cluster's history "
            "(podfit rewrites this file)\n" + yaml.safe_dump(patch, sort_keys=False))


_TOP_KEY = re.compile(r"^[A-Za-z_][\w-]*\s*:")


def _list_patch(text: str, file_name: str) -> str | None:
    """``text`` with ``- path: file_name`` under ``patches:`` (added when missing); ``None``
    when ``patches`` is written in flow style (left to a human)."""
    data = yaml.safe_load(text) or {}
    listed = data.get("patches") or []
    if any(isinstance(p, dict) and p.get("path") == file_name for p in listed):
        return text
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if re.match(r"^patches\s*:", line)), None)
    if start is None:
        body = text if text.endswith("\n") or not text else text + "\n"
        return body + f"patches:\n- path: {file_name}\n"
    if lines[start].split("#", 1)[0].split(":", 1)[1].strip():
        return None  # flow style (patches: [...]): left to a human
    end, indent = start + 1, ""
    for i in range(start + 1, len(lines)):
        if _TOP_KEY.match(lines[i]):
            break
        if lines[i].lstrip().startswith("- ") and not indent:
            indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
        if lines[i].strip():
            end = i + 1
    return "".join([*lines[:end], f"{indent}- path: {file_name}\n", *lines[end:]])


def plan_patches(recommendations: Iterable[Recommendation], directories: Iterable[Path]
                 ) -> tuple[list[Written], set[tuple[str, str, str]], list[str]]:
    """Patch files and kustomization edits for the recommendations whose workload one of the
    overlays in ``directories`` builds; also the keys it covered and notes for a human."""
    wanted = {(r.key.kind, r.key.name, r.key.container): r for r in recommendations
              if r.changes}
    written: list[Written] = []
    covered: set[tuple[str, str, str]] = set()
    notes: list[str] = []
    for directory in directories:
        kfile = kustomization_file(directory)
        if kfile is None or not wanted:
            continue
        before = kfile.read_text(encoding="utf-8")
        overlay = yaml.safe_load(before) or {}
        after = before
        for obj in render(directory):
            kind = str(obj.get("kind"))
            if kind not in POD_SPEC_PATHS:
                continue
            name = str(dig(obj, "metadata", "name") or "")
            namespace = dig(obj, "metadata", "namespace")
            spec = dig(obj, *POD_SPEC_PATHS[kind]) or {}
            changes: dict[str, dict[str, float | None]] = {}
            for container in spec.get("containers") or []:
                key = (kind, name, str(container.get("name")))
                rec = wanted.get(key)
                if rec is None or key in covered or (namespace and namespace != rec.key.namespace):
                    continue
                changes[key[2]] = rec.changes
            if not changes:
                continue
            original = _original_name(name, overlay)
            file_name = f"podfit-{kind.lower()}-{original}.yaml"
            listed = _list_patch(after, file_name)
            if listed is None:
                notes.append(f"{kfile}: 'patches' in flow style; add {file_name} by hand")
                continue
            after = listed
            patch = directory / file_name
            old = patch.read_text(encoding="utf-8") if patch.exists() else ""
            new = _patch_text(obj, original, changes)
            if new != old:
                written.append(Written(str(patch), old, new))
            covered.update((kind, name, c) for c in changes)
        if after != before:
            written.append(Written(str(kfile), before, after))
    return written, covered, notes
