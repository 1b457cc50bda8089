"""``skaffold.yaml``: ``build.artifacts`` name an image and the folder (and Dockerfile) that
builds it; profiles may add more. Every document of the stream is read."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

import yaml

from podfit.check.documents.image_builds import ImageBuild, join
from podfit.core.yamlsrc import Map, load_documents


def is_skaffold(path: str) -> bool:
    return posixpath.basename(path).lower() in {"skaffold.yaml", "skaffold.yml"}


def _artifacts(node: object) -> Iterator[Map]:
    """Artifacts of ``build:`` at the top level and in every profile."""
    if not isinstance(node, Map):
        return
    build = node.get("build")
    if isinstance(build, Map) and isinstance(build.get("artifacts"), list):
        yield from (a for a in build["artifacts"] if isinstance(a, Map))
    profiles = node.get("profiles")
    for profile in profiles if isinstance(profiles, list) else []:
        yield from _artifacts(profile)


def parse_skaffold(path: str, text: str) -> tuple[ImageBuild, ...]:
    folder = posixpath.dirname(path)
    try:
        docs = [d.data for d in load_documents(text)]
    except yaml.YAMLError:
        return ()
    found: list[ImageBuild] = []
    for data in docs:
        if not isinstance(data, Map) or not str(data.get("apiVersion", "")).startswith(
                "skaffold/"):
            continue
        for artifact in _artifacts(data):
            image = artifact.get("image")
            if not isinstance(image, str):
                continue
            context = join(folder, str(artifact.get("context", ".")))
            docker = artifact.get("docker")
            dockerfile = docker.get("dockerfile") if isinstance(docker, Map) else None
            file = join(context, str(dockerfile or "Dockerfile"))
            found.append(ImageBuild(image, (context,), (file,), path,
                                    artifact.line_of("image"), "skaffold"))
    return tuple(found)
