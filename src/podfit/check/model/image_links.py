"""Which Dockerfile builds a manifest's image, and the evidence for it.

Evidence comes from the repository's own files (``check/documents``: compose ``build:``,
skaffold artifacts, ``docker build -t`` lines, Kustomize ``images:`` renames), then from
``[tool.podfit] images``, then from names (the image's basename is the Dockerfile's folder).
The last resort — the only Dockerfile in reach — is taken only when nothing contradicts it:
an image the repository is known to pull rather than build (a compose service with
``image:`` and no ``build:``), or one from another registry/namespace than every image the
repository builds.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from podfit.check.documents.dockerfile import DockerfileDoc
from podfit.check.documents.image_builds import (
    ImageBuild,
    ImageRename,
    image_basename,
    image_repository,
)
from podfit.core.models import Finding


@dataclass(frozen=True)
class ImageLink:
    """A manifest image linked to the Dockerfile that builds it, and why."""

    image: str
    dockerfile: str
    evidence: str  # "voting/docker-compose.yml:4 (compose)", "folder name", …

    def describe(self) -> str:
        return f"image {self.image} is built from {self.dockerfile} ({self.evidence})"

    def as_json(self) -> dict[str, str]:
        return {"image": self.image, "dockerfile": self.dockerfile, "evidence": self.evidence}


def _namespace(repository: str) -> str:
    """``ghcr.io/acme`` of ``ghcr.io/acme/vote``; "" for a bare name."""
    return repository.rsplit("/", 1)[0] if "/" in repository else ""


@dataclass(frozen=True)
class Evidence:
    """Every build and rename statement of the run, indexed by image name."""

    builds: tuple[ImageBuild, ...] = ()
    renames: tuple[ImageRename, ...] = ()
    by_repository: Mapping[str, tuple[ImageBuild, ...]] | None = None
    by_basename: Mapping[str, tuple[ImageBuild, ...]] | None = None
    by_service: Mapping[str, tuple[ImageBuild, ...]] | None = None
    pulled: frozenset[str] = frozenset()  # repositories compose runs without building
    namespaces: frozenset[str] = frozenset()  # registry/namespace of images built here
    claimed: frozenset[str] = frozenset()  # Dockerfiles the evidence ties to named images

    @classmethod
    def of(cls, builds: Iterable[ImageBuild], renames: Iterable[ImageRename] = (),
           pulled: Iterable[str] = ()) -> Evidence:
        builds = tuple(builds)
        by_repo: dict[str, list[ImageBuild]] = {}
        by_base: dict[str, list[ImageBuild]] = {}
        by_service: dict[str, list[ImageBuild]] = {}
        for build in builds:
            if build.image and "$" not in build.repository:
                by_repo.setdefault(build.repository, []).append(build)
            if build.image:
                by_base.setdefault(image_basename(build.image), []).append(build)
            if build.service:
                by_service.setdefault(build.service, []).append(build)
        namespaces = {_namespace(b.repository) for b in builds
                      if b.image and "$" not in b.repository}
        return cls(builds, tuple(renames), {k: tuple(v) for k, v in by_repo.items()},
                   {k: tuple(v) for k, v in by_base.items()},
                   {k: tuple(v) for k, v in by_service.items()},
                   frozenset(image_repository(p) for p in pulled) - set(by_repo),
                   frozenset(namespaces),
                   frozenset(f for b in builds if b.image for f in b.dockerfiles))

    def _names(self, image: str) -> list[str]:
        """``image``'s repository, and the names Kustomize renamed into it."""
        repo = image_repository(image)
        names = [repo]
        for rename in self.renames:
            if image_repository(rename.result) == repo and rename.name not in names:
                names.append(rename.name)
        return names

    def builds_for(self, image: str) -> list[ImageBuild]:
        """Builds that name ``image`` (exactly, as a suffix across registries, by basename,
        or as the compose service an unnamed build is called after), best first."""
        found: list[ImageBuild] = []
        for name in self._names(image):
            found += (self.by_repository or {}).get(name, ())
            found += [b for repo, builds in (self.by_repository or {}).items()
                      if repo.endswith("/" + name) or name.endswith("/" + repo) for b in builds]
            base = name.rsplit("/", 1)[-1]
            found += (self.by_basename or {}).get(base, ())
            for service, builds in (self.by_service or {}).items():
                if base == service or base.endswith(("-" + service, "_" + service)):
                    found += [b for b in builds if not b.image]
        return list(dict.fromkeys(found))

    def contradicts(self, image: str) -> str | None:
        """Why the only-Dockerfile fallback must not link ``image``, if it must not."""
        names = self._names(image)
        if any(n in self.pulled for n in names):
            return "compose runs it as a pulled image"
        namespace = _namespace(names[0])
        if self.namespaces and namespace and namespace not in self.namespaces:
            return "it comes from another registry or project than the images built here"
        return None


NO_EVIDENCE = Evidence.of(())


def link_image(image: str, docs: Sequence[DockerfileDoc], evidence: Evidence,
               configured: Mapping[str, str], third_party: frozenset[str]) -> ImageLink | None:
    """The Dockerfile among ``docs`` that builds ``image``, with the evidence."""
    if not docs:
        return None  # manifests only: nothing to link (the common, hot case)
    repo = image_repository(image)
    by_path = {doc.path: doc for doc in docs}
    for pattern, path in configured.items():
        if repo == pattern or repo.endswith("/" + pattern) or image == pattern:
            for doc in docs:
                if doc.path == path or doc.path.endswith("/" + path.lstrip("./")):
                    return ImageLink(image, doc.path, "[tool.podfit] images")
    for build in evidence.builds_for(image):
        for candidate in build.dockerfiles:
            if candidate in by_path:
                return ImageLink(image, candidate, build.evidence)
    short = repo.rsplit("/", 1)[-1]
    if short in third_party or not docs:
        return None
    for doc in docs:
        directory = posixpath.basename(posixpath.dirname(doc.path)) or "."
        name = posixpath.basename(doc.path)
        if short == directory:
            return ImageLink(image, doc.path, "folder named like the image")
        if short == name.removeprefix("Dockerfile.").removesuffix(".Dockerfile"):
            return ImageLink(image, doc.path, "Dockerfile named like the image")
    if len(docs) == 1 and evidence.contradicts(image) is None and \
            docs[0].path not in evidence.claimed:
        return ImageLink(image, docs[0].path, "the only Dockerfile in reach")
    return None


@dataclass(frozen=True)
class LinkedFinding(Finding):
    """A finding that rests on an image <-> Dockerfile link, with the link (reporters show
    it: ``links`` in JSON, a ``link:`` line in the full text format)."""

    links: tuple[ImageLink, ...] = ()


#: Categories whose rules read a container's server through its image's Dockerfile.
LINKED_CATEGORIES = frozenset({"3", "5", "7"})


def container_links(objects: Iterable[tuple[str, int, int, str, str]],
                    link: Callable[[str, str], ImageLink | None],
                    ) -> dict[str, list[tuple[int, int, ImageLink]]]:
    """``path -> [(first line, last line, link)]`` of every object whose container image is
    linked to a Dockerfile; ``objects`` are ``(path, line, end line, image, near)``."""
    out: dict[str, list[tuple[int, int, ImageLink]]] = {}
    for path, first, last, image, near in objects:
        found = link(image, near)
        if found is not None:
            out.setdefault(path, []).append((first, last, found))
    return out


def attach_links(findings: Sequence[Finding],
                 spans: Mapping[str, list[tuple[int, int, ImageLink]]]) -> list[Finding]:
    """Findings of server-reading rules inside a linked object carry the link."""
    if not spans:
        return list(findings)
    out: list[Finding] = []
    for finding in findings:
        hits = tuple(dict.fromkeys(
            link for first, last, link in spans.get(finding.path, ())
            if first <= finding.line <= last)) if finding.code[2:3] in LINKED_CATEGORIES else ()
        if not hits:
            out.append(finding)
            continue
        out.append(LinkedFinding(finding.code, finding.name, finding.severity, finding.path,
                                 finding.line, finding.column, finding.message, finding.fix,
                                 links=hits))
    return out
