"""Image references: split one, and tell whether its tag floats (moves to new content without
the reference changing). Shared by check's base-image rules and init's Dockerfile writer."""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Tags that name a channel rather than a release.
CHANNELS = frozenset({"latest", "stable", "lts", "current", "edge", "rolling", "mainline",
                      "nightly", "dev", "main", "master"})
#: Variant words that, alone, name no version (``python:slim``, ``python:alpine``).
VARIANTS = frozenset({"slim", "alpine", "bookworm", "bullseye", "buster", "trixie", "jammy",
                      "noble", "focal", "windowsservercore", "nanoserver", "full"})
_MAJOR_ONLY = re.compile(r"^v?\d+$")


@dataclass(frozen=True)
class ImageRef:
    repository: str  # registry/path/name
    tag: str  # "" when none
    digest: str  # "" when none

    @property
    def name(self) -> str:
        """The last path component (``python`` of ``docker.io/library/python``)."""
        return self.repository.rsplit("/", 1)[-1]


def parse_image(image: str) -> ImageRef:
    ref, _, digest = image.partition("@")
    last = ref.rsplit("/", 1)[-1]
    if ":" in last:
        repo, _, tag = ref.rpartition(":")
    else:
        repo, tag = ref, ""
    return ImageRef(repo, tag, digest)


def floating_tag(image: str) -> str | None:
    """Why ``image``'s tag floats, or ``None`` when it names a release (or a digest pins it).

    Floating: no tag (means ``latest``), a channel (``latest``, ``stable``), a variant alone
    (``slim``, ``alpine``) or a major version alone with or without variants (``3``,
    ``3-slim``, ``3-alpine``, ``18-bookworm``): each moves to a new minor release unasked.
    """
    ref = parse_image(image)
    if ref.digest or "$" in image:
        return None
    if not ref.tag:
        return "has no tag, which means 'latest'"
    tag = ref.tag.lower()
    if tag in CHANNELS:
        return f"uses the channel tag '{ref.tag}'"
    head, *rest = tag.split("-")
    if head in VARIANTS and all(w in VARIANTS for w in rest):
        return f"tag '{ref.tag}' names a variant but no version"
    if _MAJOR_ONLY.match(head) and all(w in VARIANTS or w in CHANNELS for w in rest):
        return f"tag '{ref.tag}' names only a major version"
    return None
