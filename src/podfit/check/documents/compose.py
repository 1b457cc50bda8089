"""``docker-compose.yml`` / ``compose.yaml``: which folder builds which service's image.

``build:`` is a path or a mapping (``context``, ``dockerfile``); ``image:`` beside it names
what the build is tagged as. A service with ``image:`` and no ``build:`` runs someone else's
image, which is evidence too: that image is *not* built here.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass

import yaml

from podfit.check.documents.image_builds import ImageBuild, join
from podfit.core.yamlsrc import Map, load_documents

COMPOSE_NAMES = frozenset({"docker-compose.yml", "docker-compose.yaml", "compose.yml",
                           "compose.yaml"})


def is_compose(path: str) -> bool:
    """``docker-compose.yml``, ``compose.yaml`` and variants (``docker-compose.prod.yml``)."""
    name = posixpath.basename(path).lower()
    return name in COMPOSE_NAMES or (name.startswith(("docker-compose.", "compose.")) and
                                     name.endswith((".yml", ".yaml")))


@dataclass(frozen=True)
class ComposeService:
    name: str
    image: str  # "" when the service has none
    build: ImageBuild | None
    line: int
    command: tuple[str, ...] = ()
    environment: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ComposeFile:
    path: str
    services: tuple[ComposeService, ...]

    @property
    def builds(self) -> tuple[ImageBuild, ...]:
        return tuple(s.build for s in self.services if s.build is not None)


def _command(value: object) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    if isinstance(value, str):
        return tuple(value.split())
    return ()


def _environment(value: object) -> tuple[tuple[str, str], ...]:
    if isinstance(value, Mapping):
        return tuple((str(k), "" if v is None else str(v)) for k, v in value.items())
    if isinstance(value, list):
        pairs = (str(v).partition("=") for v in value)
        return tuple((k, v) for k, _, v in pairs)
    return ()


def parse_compose(path: str, text: str) -> ComposeFile:
    """Services with their images and builds; a file that is not valid YAML has none (the
    YAML reader reports the syntax error once, for every YAML input)."""
    try:
        data = next((d.data for d in load_documents(text)), None)
    except yaml.YAMLError:
        return ComposeFile(path, ())
    services = data.get("services") if isinstance(data, Map) else None
    if not isinstance(services, Map):
        return ComposeFile(path, ())
    folder = posixpath.dirname(path)
    found = []
    for name, spec in services.items():
        if not isinstance(spec, Map):
            continue
        image = str(spec.get("image") or "")
        build = spec.get("build")
        parsed: ImageBuild | None = None
        if isinstance(build, str | Map):
            raw_context = build if isinstance(build, str) else str(build.get("context", "."))
            context = join(folder, raw_context)
            dockerfile = build.get("dockerfile") if isinstance(build, Map) else None
            files = (join(context, str(dockerfile)),) if dockerfile else (
                join(context, "Dockerfile"),)
            line = spec.line_of("build")
            parsed = ImageBuild(image, (context,), files, path, line, "compose", str(name))
        found.append(ComposeService(str(name), image, parsed, services.line_of(str(name)),
                                    _command(spec.get("command")),
                                    _environment(spec.get("environment"))))
    return ComposeFile(path, tuple(found))
