"""Evidence, read from a repository's own files, of which folder and Dockerfile build an image.

Manifests name images (``ghcr.io/acme/vote:1.2``); Dockerfiles do not say which image they
become. The link is written elsewhere: ``docker-compose.yml`` ``build:``, ``skaffold.yaml``
artifacts, a ``docker build -t IMAGE DIR`` line in a script, Makefile or CI workflow, and
Kustomize ``images:`` renames. Each parser in this package returns :class:`ImageBuild` /
:class:`ImageRename` values; the check model joins them to Dockerfiles and containers.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass


@dataclass(frozen=True)
class ImageBuild:
    """One statement that ``image`` is built from ``context`` (with ``dockerfile``).

    ``contexts`` are candidate folders, relative to where podfit was run, best first: a
    script's working directory is not written down, so a ``docker build ./vote`` line in
    ``scripts/build.sh`` may mean ``scripts/vote`` or ``vote``. ``dockerfiles`` likewise
    (``<context>/Dockerfile`` when no ``-f`` is given).
    """

    image: str  # as written, variables expanded where the file sets them; "" when unnamed
    contexts: tuple[str, ...]
    dockerfiles: tuple[str, ...]
    path: str  # the file that says so
    line: int
    source: str  # "compose", "skaffold", "build-line", "workflow"
    service: str = ""  # compose service name (compose names unnamed images after it)

    @property
    def evidence(self) -> str:
        """Where the link is written, for messages and ``--show-links``."""
        return f"{self.path}:{self.line} ({self.source})"

    @property
    def repository(self) -> str:
        """The image without tag or digest (``ghcr.io/acme/vote``)."""
        return image_repository(self.image)


@dataclass(frozen=True)
class ImageRename:
    """A Kustomize ``images:`` entry: manifests saying ``name`` get ``new_name:new_tag``."""

    name: str
    new_name: str
    new_tag: str
    digest: str
    path: str
    line: int

    @property
    def evidence(self) -> str:
        return f"{self.path}:{self.line} (kustomize images)"

    @property
    def result(self) -> str:
        """The image the manifests end up with."""
        image = self.new_name or self.name
        if self.digest:
            return f"{image}@{self.digest}"
        return f"{image}:{self.new_tag}" if self.new_tag else image


def image_repository(image: str) -> str:
    """``registry/path/name`` of an image reference: tag and digest removed."""
    repo = image.split("@", 1)[0]
    last = repo.rsplit("/", 1)[-1]
    return repo.rsplit(":", 1)[0] if ":" in last else repo


def image_basename(image: str) -> str:
    """The last path component of the repository: ``ghcr.io/acme/vote:1`` → ``vote``."""
    return image_repository(image).rsplit("/", 1)[-1]


def join(base: str, relative: str) -> str:
    """``relative`` resolved against folder ``base`` (both display paths), normalised."""
    if relative.startswith("/"):
        return posixpath.normpath(relative)
    return posixpath.normpath(posixpath.join(base or ".", relative or "."))


def candidates(bases: tuple[str, ...], context: str, dockerfile: str | None,
               ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Candidate contexts and Dockerfiles for a build written relative to any of ``bases``.

    Docker resolves ``-f`` against the working directory, Compose and Skaffold against the
    context; callers pass ``dockerfile`` already in the form their tool means (see
    ``relative_to_context``)."""
    contexts = tuple(dict.fromkeys(join(b, context) for b in bases))
    if dockerfile:
        files = tuple(dict.fromkeys(join(b, dockerfile) for b in bases))
    else:
        files = tuple(join(c, "Dockerfile") for c in contexts)
    return contexts, files
