"""The check model: everything ``check`` read, linked across files once per run.

The engine builds one :class:`Model` from the parsed documents before any rule runs; it is
frozen and every index in it is built eagerly, so rules only look things up."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from podfit.check.documents.dockerfile import DockerfileDoc, Instruction, Stage
from podfit.check.documents.kubernetes import KubeObject
from podfit.check.documents.python_config import (
    DockerIgnore,
    GunicornConfig,
    Procfile,
    PyProject,
    Requirements,
    ShellScript,
)
from podfit.check.documents.python_module import PythonModule
from podfit.check.documents.uwsgi import UwsgiConfig
from podfit.check.model.image_links import NO_EVIDENCE, Evidence
from podfit.check.model.images import Command, Files, Shelf, commands
from podfit.check.model.links import Links
from podfit.check.model.scope import Scope
from podfit.check.model.security import Secured
from podfit.check.model.servers import EffectiveServer, resolve_container, resolve_dockerfile
from podfit.check.model.workloads import Workload
from podfit.check.settings import CheckSettings
from podfit.core.kube import containers


@dataclass(frozen=True)
class Model:
    """The inputs of one run, their links, and the server every container runs."""

    settings: CheckSettings
    objects: tuple[KubeObject, ...]  # in input order
    dockerfiles: tuple[DockerfileDoc, ...]
    gunicorn_configs: tuple[GunicornConfig, ...]
    scripts: tuple[ShellScript, ...]
    requirements: tuple[Requirements, ...]
    pyprojects: tuple[PyProject, ...]
    procfiles: tuple[Procfile, ...]
    dockerignores: Mapping[str, DockerIgnore]  # by directory
    context_entries: Mapping[str, frozenset[str]]  # Dockerfile directory -> top-level names
    scope: Scope
    files: Files
    links: Links
    by_kind: Mapping[str, tuple[KubeObject, ...]]
    positions: Mapping[int, int]  # id(object) -> input position
    containers: tuple[Workload, ...]  # every container, init containers included
    app_containers: tuple[Workload, ...]
    by_object: Mapping[int, tuple[Workload, ...]]  # id(object) -> its app containers
    servers: Mapping[Workload, EffectiveServer | None]
    image_servers: Mapping[str, EffectiveServer | None]  # Dockerfile path -> its CMD's server
    run_commands: Mapping[int, tuple[Command, ...]]  # id(RUN instruction) -> its commands
    secured: tuple[Secured, ...]  # the securityContext of every container, in order

    def objects_of(self, *kinds: str) -> Iterator[KubeObject]:
        """Objects of these kinds, in input order."""
        if len(kinds) == 1:
            return iter(self.by_kind.get(kinds[0], ()))
        found = [o for kind in dict.fromkeys(kinds) for o in self.by_kind.get(kind, ())]
        return iter(sorted(found, key=lambda o: self.positions[id(o)]))

    def workloads(self, *, include_init: bool = False) -> Iterator[Workload]:
        """Every container of every pod-bearing object (app containers, then init ones)."""
        return iter(self.containers if include_init else self.app_containers)

    def containers_of(self, obj: KubeObject) -> tuple[Workload, ...]:
        """The app containers of ``obj``."""
        return self.by_object.get(id(obj), ())

    def server_for(self, workload: Workload) -> EffectiveServer | None:
        """The server ``workload``'s container runs."""
        return self.servers.get(workload)

    def server_for_dockerfile(self, doc: DockerfileDoc) -> EffectiveServer | None:
        """The server the image's CMD/ENTRYPOINT starts."""
        return self.image_servers.get(doc.path)

    def dockerfile_for_image(self, image: str, near: str) -> DockerfileDoc | None:
        """The Dockerfile that builds ``image`` for the manifest at ``near``."""
        return self.files.dockerfile_for_image(image, near)

    def script(self, reference: str, near: str) -> ShellScript | None:
        """The shell script ``reference`` names, seen from the file at ``near``."""
        return self.files.script(reference, near)

    def image_command(self, doc: DockerfileDoc) -> tuple[list[str], Instruction | None]:
        return self.files.image_command(doc)

    def commands(self, ins: Instruction) -> tuple[Command, ...]:
        """The simple commands of a RUN (split once per run)."""
        found = self.run_commands.get(id(ins))
        return found if found is not None else tuple(commands(ins))

    def stage_commands(self, stage: Stage) -> Iterator[Command]:
        """The simple commands of every RUN of ``stage``."""
        for ins in stage.instructions:
            if ins.cmd == "RUN":
                yield from self.commands(ins)

    def related(self, a: KubeObject, b: KubeObject) -> bool:
        """Whether ``a`` and ``b`` may refer to each other: the same unit, and the one
        namespace rule."""
        return self.scope.unit(a.path) == self.scope.unit(b.path) and (
            not a.namespace or not b.namespace or a.namespace == b.namespace)


def build_model(settings: CheckSettings, *, objects: Sequence[KubeObject],
                dockerfiles: Sequence[DockerfileDoc] = (),
                gunicorn_configs: Sequence[GunicornConfig] = (),
                scripts: Sequence[ShellScript] = (), requirements: Sequence[Requirements] = (),
                pyprojects: Sequence[PyProject] = (), procfiles: Sequence[Procfile] = (),
                dockerignores: Mapping[str, DockerIgnore] | None = None,
                context_entries: Mapping[str, frozenset[str]] | None = None,
                evidence: Evidence | None = None,
                modules: Sequence[PythonModule] = (),
                uwsgi_configs: Sequence[UwsgiConfig] = ()) -> Model:
    """Link the parsed documents of one run into a :class:`Model`."""
    objects = tuple(objects)
    paths = [d.path for docs in (dockerfiles, gunicorn_configs, scripts, requirements,
                                 pyprojects, procfiles) for d in docs]
    scope = Scope.of(((o.path, (o.kind, o.namespace, o.name)) for o in objects),
                     paths)
    files = Files(scope, dict(settings.images), Shelf.of(dockerfiles, scope),
                  Shelf.of(scripts, scope), Shelf.of(gunicorn_configs, scope),
                  Shelf.of(requirements, scope), Shelf.of(pyprojects, scope),
                  evidence or NO_EVIDENCE, {m.path: m for m in modules},
                  {c.path: c for c in uwsgi_configs})
    by_kind: dict[str, list[KubeObject]] = {}
    for obj in objects:
        by_kind.setdefault(obj.kind, []).append(obj)
    every: list[Workload] = []
    apps: list[Workload] = []
    by_object: dict[int, tuple[Workload, ...]] = {}
    for obj in objects:
        found = [Workload(obj, ref) for ref in containers(obj.data, include_init=True)]
        if not found:
            continue
        own = tuple(w for w in found if not w.ref.init)
        every += found
        apps += own
        by_object[id(obj)] = own
    servers = {w: resolve_container(files, w) for w in every}
    image_servers = {doc.path: resolve_dockerfile(files, doc) for doc in dockerfiles}
    run_commands = {id(ins): tuple(commands(ins)) for doc in dockerfiles
                    for ins in doc.instructions if ins.cmd == "RUN"}
    return Model(
        settings=settings, objects=objects, dockerfiles=tuple(dockerfiles),
        gunicorn_configs=tuple(gunicorn_configs), scripts=tuple(scripts),
        requirements=tuple(requirements), pyprojects=tuple(pyprojects),
        procfiles=tuple(procfiles), dockerignores=dict(dockerignores or {}),
        context_entries=dict(context_entries or {}), scope=scope, files=files,
        links=Links.of(objects, scope), by_kind={k: tuple(v) for k, v in by_kind.items()},
        positions={id(o): i for i, o in enumerate(objects)}, containers=tuple(every),
        app_containers=tuple(apps), by_object=by_object, servers=servers,
        image_servers=image_servers, run_commands=run_commands,
        secured=tuple(Secured.of(w) for w in every))
