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

import dataclasses
import posixpath
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from podfit.check.documents.dockerfile import DockerfileDoc
from podfit.check.documents.image_builds import (
    ImageBuild,
    ImageRename,
    image_basename,
    image_repository,
)
from podfit.core.models import Finding, ImageLink

__all__ = ["NO_EVIDENCE", "Evidence", "ImageLink", "attach_links", "container_links",
           "link_image", "recording"]

#: The links looked up while a rule runs (``None`` outside :func:`recording`): a finding of
#: that rule in the Dockerfile, or in the object whose image a link names, rests on it.
_USED: ContextVar[set[ImageLink] | None] = ContextVar("podfit_used_links", default=None)


@contextmanager
def recording() -> Iterator[set[ImageLink]]:
    """Collect every link :func:`link_image` returns inside the block."""
    used: set[ImageLink] = set()
    token = _USED.set(used)
    try:
        yield used
    finally:
        _USED.reset(token)


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
    found = _link_image(image, docs, evidence, configured, third_party)
    used = _USED.get()
    if found is not None and used is not None:
        used.add(found)
    return found


def _link_image(image: str, docs: Sequence[DockerfileDoc], evidence: Evidence,
                configured: Mapping[str, str], third_party: frozenset[str]) -> ImageLink | None:
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


#: Categories whose rules read a container's server through its image's Dockerfile.
LINKED_CATEGORIES = frozenset({"3", "5", "7"})


Spans = Mapping[str, list[tuple[int, int, int, ImageLink | None]]]


def container_links(objects: Iterable[tuple[str, int, int, int, str, str]],
                    link: Callable[[str, str], ImageLink | None],
                    ) -> dict[str, list[tuple[int, int, int, ImageLink | None]]]:
    """``path -> [(object's first line, last line, container's line, link or None)]`` of the
    containers of every object with a linked image; ``objects`` are ``(path, line, end line,
    container line, image, near)`` in input order."""
    out: dict[str, list[tuple[int, int, int, ImageLink | None]]] = {}
    for path, first, last, start, image, near in objects:
        out.setdefault(path, []).append((first, last, start, link(image, near)))
    return {path: spans for path, spans in out.items() if any(s[3] for s in spans)}


def _span_links(spans: Sequence[tuple[int, int, int, ImageLink | None]],
                line: int) -> list[ImageLink]:
    """The links of the object around ``line``: its container's when ``line`` is inside one
    (from its line to the next container's), every container's when it is on the pod."""
    inside = [s for s in spans if s[0] <= line <= s[1]]
    starts = [s for s in inside if s[2] <= line]
    if starts:
        start = max(s[2] for s in starts)
        inside = [s for s in starts if s[2] == start]
    return [s[3] for s in inside if s[3] is not None]


def attach_links(findings: Sequence[Finding], spans: Spans,
                 used: Mapping[str, set[ImageLink]] | None = None) -> list[Finding]:
    """Each finding that rests on an image <-> Dockerfile link carries it: findings of
    server-reading rules (their server comes through the link) inside a linked container or
    its pod, and findings of any rule that looked the link up (:func:`recording`) there or in
    the Dockerfile it links to."""
    used = used or {}
    if not spans and not any(used.values()):
        return list(findings)
    out: list[Finding] = []
    for finding in findings:
        looked_up = used.get(finding.code, set())
        always = finding.code[2:3] in LINKED_CATEGORIES
        hits = [link for link in _span_links(spans.get(finding.path, ()), finding.line)
                if always or link in looked_up]
        hits += sorted((link for link in looked_up if link.dockerfile == finding.path),
                       key=lambda link: (link.image, link.evidence))
        found = tuple(dict.fromkeys((*finding.links, *hits)))
        out.append(dataclasses.replace(finding, links=found) if found != finding.links
                   else finding)
    return out
