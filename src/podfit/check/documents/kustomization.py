"""``kustomization.yaml`` ``images:``: the transformer that renames the images its resources
name (``name`` → ``newName``:``newTag`` or ``@digest``), so a manifest's ``image: vote`` may
ship as ``ghcr.io/acme/vote:1.4``."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

import yaml

from podfit.check.documents.image_builds import ImageRename
from podfit.core.yamlsrc import Map, load_documents

KUSTOMIZATION_NAMES = frozenset({"kustomization.yaml", "kustomization.yml", "kustomization"})


def is_kustomization(path: str) -> bool:
    return posixpath.basename(path) in KUSTOMIZATION_NAMES


@dataclass(frozen=True)
class Kustomization:
    path: str
    images: tuple[ImageRename, ...]
    resources: tuple[str, ...]  # as written (folders, files or remote URLs)


def parse_kustomization(path: str, text: str) -> Kustomization:
    try:
        data = next((d.data for d in load_documents(text)), None)
    except yaml.YAMLError:
        return Kustomization(path, (), ())
    if not isinstance(data, Map):
        return Kustomization(path, (), ())
    images = data.get("images")
    renames = []
    for entry in images if isinstance(images, list) else []:
        if isinstance(entry, Map) and isinstance(entry.get("name"), str):
            renames.append(ImageRename(entry["name"], str(entry.get("newName") or ""),
                                       str(entry.get("newTag") or ""),
                                       str(entry.get("digest") or ""), path, entry.line))
    resources = data.get("resources")
    listed = tuple(str(r) for r in resources) if isinstance(resources, list) else ()
    return Kustomization(path, tuple(renames), listed)
