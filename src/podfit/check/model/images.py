"""Dockerfiles as the image rules (PF1xx) see them: the simple commands inside a RUN (split once
per run by the model), cache mounts, the stages whose files end up in the final image, and the
link from a container's image to the Dockerfile that builds it."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from podfit.check.documents.dockerfile import DockerfileDoc, Instruction, Stage
from podfit.check.documents.python_config import (
    GunicornConfig,
    PyProject,
    Requirements,
    ShellScript,
)
from podfit.check.documents.python_module import PythonModule
from podfit.check.documents.uwsgi import UwsgiConfig, env_options, merged, parse_uwsgi_argv
from podfit.check.model.image_links import NO_EVIDENCE, Evidence, ImageLink, link_image
from podfit.check.model.scope import Scope
from podfit.check.model.workloads import THIRD_PARTY
from podfit.core.servers import split_shell

_SEPARATORS = re.compile(r"&&|\|\||;|\||\n|(?<![&>])&(?![&>])")


_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


#: Shell keywords and prefixes that come before the real command of a fragment.
_PREFIXES = {"then", "do", "else", "{", "(", "!", "sudo", "time", "command", "exec"}


_SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh"})


_PYTHON = re.compile(r"python[0-9.]*")


#: Words that say a stage's base is a full (non-slim) Debian-based python image.
SLIM_MARKERS = ("slim", "alpine", "distroless", "chainguard", "wolfi", "musl")


COMPILERS = frozenset({"gcc", "g++", "cc", "clang", "build-essential", "build-base", "musl-dev",
                       "make", "cmake", "gfortran", "rust", "rustc", "cargo", "linux-headers"})




class _HasPath(Protocol):
    @property
    def path(self) -> str: ...


T = TypeVar("T", bound=_HasPath)


@dataclass(frozen=True)
class Shelf(Generic[T]):
    """Inputs of one type, and which of them each unit may use (its own tree and the
    directories above it, in input order): built once, so lookups never scan every file."""

    items: tuple[T, ...]
    by_unit: Mapping[tuple[str, ...], tuple[T, ...]]

    @classmethod
    def of(cls, items: Sequence[T], scope: Scope) -> Shelf[T]:
        order = {id(item): position for position, item in enumerate(items)}
        own: dict[tuple[str, ...], list[T]] = {}
        by_dir: dict[tuple[str, ...], list[T]] = {}
        for item in items:
            own.setdefault(scope.unit(item.path), []).append(item)
            parts = tuple(p for p in posixpath.dirname(item.path).split("/") if p)
            by_dir.setdefault(parts, []).append(item)
        visible: dict[tuple[str, ...], tuple[T, ...]] = {}
        for unit in {*scope.units.values(), *own}:
            found = list(own.get(unit, ()))
            for depth in range(len(unit)):
                found += by_dir.get(unit[:depth], ())
            visible[unit] = tuple(sorted(found, key=lambda i: order[id(i)]))
        return cls(tuple(items), visible)

    def near(self, scope: Scope, path: str) -> tuple[T, ...]:
        """The inputs a file at ``path`` may use."""
        return self.by_unit.get(scope.unit(path), ())


@dataclass(frozen=True)
class Files:
    """The inputs that are not Kubernetes objects, and how a container finds its own."""

    scope: Scope
    images: Mapping[str, str]  # [tool.podfit] images: image name -> Dockerfile path
    dockerfiles: Shelf[DockerfileDoc]
    scripts: Shelf[ShellScript]
    gunicorn_configs: Shelf[GunicornConfig]
    requirements: Shelf[Requirements]
    pyprojects: Shelf[PyProject]
    evidence: Evidence = NO_EVIDENCE  # compose, skaffold, build lines, kustomize renames
    modules: Mapping[str, PythonModule] = field(default_factory=dict)  # entry modules by path
    uwsgi: Mapping[str, UwsgiConfig] = field(default_factory=dict)  # [uwsgi] ini files by path

    def uwsgi_settings(self, argv: Sequence[str], env: Mapping[str, str],
                       near: str) -> UwsgiConfig:
        """uWSGI's effective options for ``uwsgi ARGS`` (``argv`` without ``uwsgi``): the
        environment, then the ini file it names (``--ini``, a positional ``.ini``,
        ``UWSGI_INI``; found next to ``near`` or by name), then the command line."""
        line = parse_uwsgi_argv(list(argv))
        from_env = env_options(env)
        reference = line.get("ini") or from_env.get("ini")
        ini = None
        if reference:
            folder = posixpath.dirname(near)
            wanted = posixpath.normpath(posixpath.join(folder, reference.lstrip("/"))) \
                if not reference.startswith("/") else reference
            ini = self.uwsgi.get(wanted) or next(
                (c for p, c in self.uwsgi.items()
                 if posixpath.basename(p) == posixpath.basename(reference)), None)
        return merged(from_env, *([ini] if ini else []), line)

    def module_run_by(self, argv: Sequence[str], doc: DockerfileDoc) -> PythonModule | None:
        """The module ``python X.py`` / ``python -m X`` runs, read from the folder of the
        Dockerfile that builds the image (its build context)."""
        args = [a for a in argv[1:] if a != "-u"]
        if not args:
            return None
        if args[0] == "-m" and len(args) > 1:
            names = [args[1].replace(".", "/") + ".py", args[1].replace(".", "/") + "/__main__.py"]
        elif args[0].endswith(".py"):
            names = [args[0].removeprefix("./")]
        else:
            return None
        folder = posixpath.dirname(doc.path)
        for name in names:
            found = self.modules.get(posixpath.normpath(posixpath.join(folder, name)))
            if found is not None:
                return found
        return None

    def link_for_image(self, image: str, near: str) -> ImageLink | None:
        """How ``image`` (named by the file at ``near``) is linked to a Dockerfile: build
        evidence, config, names, or the only Dockerfile in reach when nothing contradicts."""
        docs = self.dockerfiles.near(self.scope, near)
        return link_image(image, docs, self.evidence, self.images, THIRD_PARTY)

    def dockerfile_for_image(self, image: str, near: str) -> DockerfileDoc | None:
        """The Dockerfile that builds ``image`` for the file at ``near`` (see
        :meth:`link_for_image`)."""
        link = self.link_for_image(image, near)
        if link is None:
            return None
        return next(d for d in self.dockerfiles.near(self.scope, near)
                    if d.path == link.dockerfile)

    def gunicorn_config(self, reference: str | None, near: str) -> GunicornConfig | None:
        """The config named by ``-c`` (path or ``python:module``), or ``gunicorn.conf.py``."""
        configs = self.gunicorn_configs.near(self.scope, near)
        if not configs:
            return None
        if reference:
            wanted = reference.removeprefix("python:").replace(".", "/") + ".py" \
                if reference.startswith("python:") else reference
            base = posixpath.basename(wanted)
            for config in configs:
                if config.path.endswith(wanted.lstrip("./")) or posixpath.basename(
                        config.path) == base:
                    return config
            return None
        for config in configs:
            if posixpath.basename(config.path) == "gunicorn.conf.py":
                return config
        return None

    def script(self, reference: str, near: str) -> ShellScript | None:
        name = posixpath.basename(reference)
        for script in self.scripts.near(self.scope, near):
            if posixpath.basename(script.path) == name:
                return script
        return None

    def image_command(self, doc: DockerfileDoc) -> tuple[list[str], Instruction | None]:
        """ENTRYPOINT + CMD of the final stage (a script entrypoint that ``exec "$@"`` is
        seen through), with the instruction to point findings at."""
        stage = doc.final_stage
        if stage is None:
            return [], None
        entry = last_instruction(stage, "ENTRYPOINT")
        cmd = last_instruction(stage, "CMD")
        argv: list[str] = []
        if entry is not None:
            argv += entry.argv()
            script = self.script(argv[0], doc.path) if argv else None
            if script and script.last_command and "$@" in script.last_command[1]:
                argv = []
        if cmd is not None:
            argv += cmd.argv()
        return argv, cmd or entry


def last_instruction(stage: Stage | None, cmd: str) -> Instruction | None:
    if stage is None:
        return None
    found = [i for i in stage.instructions if i.cmd == cmd]
    return found[-1] if found else None


@dataclass(frozen=True)
class Command:
    """One simple command of a RUN: its words, and ``VAR=value`` assignments before it."""

    argv: tuple[str, ...]
    env: dict[str, str]
    ins: Instruction

    @property
    def head(self) -> str:
        return posixpath.basename(self.argv[0]) if self.argv else ""


def run_script(ins: Instruction) -> str:
    """The shell text a RUN executes: heredoc bodies fed to a shell, the script of an exec-form
    ``["sh", "-c", script]``, else the command line."""
    if ins.json:
        return ins.args[2] if len(ins.args) >= 3 and ins.args[1] == "-c" else " ".join(ins.args)
    words = ins.text.split()
    if ins.heredocs and (not words or words[0].startswith("<<") or
                         posixpath.basename(words[0]) in _SHELLS):
        return "\n".join(ins.heredocs)
    return ins.text


def commands(ins: Instruction) -> list[Command]:
    """The simple commands of a RUN, split at ``&&``, ``||``, ``;``, ``|`` and newlines."""
    if ins.cmd != "RUN":
        return []
    if ins.json and not ins.heredocs:
        shell = len(ins.args) >= 3 and posixpath.basename(ins.args[0]) in _SHELLS and \
            ins.args[1] == "-c"
        if not shell:
            return [Command(tuple(ins.args), {}, ins)] if ins.args else []
    result = []
    exported: dict[str, str] = {}  # `export X=1` holds for the rest of the RUN
    for part in _SEPARATORS.split(run_script(ins).replace("\\\n", " ")):
        argv = split_shell(part)
        env = dict(exported)
        while argv and (argv[0] in _PREFIXES or _ASSIGNMENT.match(argv[0])
                        or (argv[0] == "env" and len(argv) > 1)):
            key, eq, value = argv[0].partition("=")
            if eq and _ASSIGNMENT.match(argv[0]):
                env[key] = value
            argv = argv[1:]
        if argv and argv[0] == "export":
            exported.update(a.partition("=")[::2] for a in argv[1:] if _ASSIGNMENT.match(a))
        if argv:
            result.append(Command(tuple(argv), env, ins))
    return result


def runs_compileall(cmd: Command) -> bool:
    """``python -m compileall …`` (any interpreter, options before ``-m`` allowed)."""
    argv = cmd.argv
    return bool(_PYTHON.fullmatch(cmd.head)) and "compileall" in argv and argv.index(
        "compileall") > 1 and argv[argv.index("compileall") - 1] == "-m"


def stage_commands(stage: Stage) -> Iterator[Command]:
    for ins in stage.instructions:
        yield from commands(ins)


def mounts(ins: Instruction, kind: str) -> list[dict[str, str]]:
    """The ``--mount=type=<kind>,…`` options of a RUN as dicts."""
    found = []
    for flag in ins.flags:
        if flag.startswith("--mount="):
            options = dict(item.partition("=")[::2] for item in flag[8:].split(","))
            if options.get("type", "bind") == kind:
                found.append(options)
    return found


def cache_targets(ins: Instruction) -> list[str]:
    """Targets of the RUN's cache mounts (``target``, ``dst`` or ``destination``)."""
    return [m.get("target") or m.get("dst") or m.get("destination") or ""
            for m in mounts(ins, "cache")]


def image_stages(doc: DockerfileDoc) -> list[Stage]:
    """The final stage and the stages it is built ``FROM`` (their layers ship), first first."""
    stage = doc.final_stage
    chain: list[Stage] = []
    while stage is not None and stage not in chain:
        chain.append(stage)
        parent = doc.stage_by_name(doc.resolve(stage.image))
        stage = parent if parent is not None and parent.index < stage.index else None
    return list(reversed(chain))


def copied_from(doc: DockerfileDoc, stages: list[Stage]) -> list[Stage]:
    """Stages that ``COPY --from=`` in ``stages`` takes files from, with their FROM parents."""
    found: list[Stage] = []
    for stage in stages:
        for ins in stage.instructions:
            source = ins.flag("from") if ins.cmd == "COPY" else None
            other = doc.stage_by_name(doc.resolve(source)) if source else None
            while other is not None and other not in found and other not in stages:
                found.append(other)  # and the stages it is built FROM
                parent = doc.stage_by_name(doc.resolve(other.image))
                other = parent if parent is not None and parent.index < other.index else None
    return sorted(found, key=lambda s: s.index)


def build_env(doc: DockerfileDoc, stage: Stage) -> dict[str, str]:
    """ENV and ARG defaults in effect while ``stage`` builds (quotes stripped)."""
    env = {k: unquote(v) for k, v in doc.stage_env(stage).items()}
    for ins in stage.instructions:
        if ins.cmd == "ARG":
            for item in ins.args:
                key, eq, value = item.partition("=")
                if eq:
                    env.setdefault(key, unquote(value))
    return env


def unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def truthy(value: str | None) -> bool:
    return value is not None and value.strip().lower() not in {"", "0", "false", "no", "off"}


def base_is_python_full(image: str) -> bool:
    """``python:3.12`` / ``python:3.12-bookworm`` (Debian with compilers), not slim/alpine."""
    name, _, tag = image.split("@", 1)[0].rpartition(":")
    if not name:
        name, tag = image.split("@", 1)[0], "latest"
    if posixpath.basename(name) == "uv" and tag.startswith("python"):
        tag = tag.removeprefix("python")  # ghcr.io/astral-sh/uv:python3.12-bookworm
    elif posixpath.basename(name) != "python":
        return False
    return not any(marker in tag for marker in SLIM_MARKERS) and "windows" not in tag


def line_column(doc: DockerfileDoc, ins: Instruction, pattern: re.Pattern[str]) -> list[
        tuple[int, int, int]]:
    """(line, start column, end column) of each match of ``pattern`` in the instruction's lines."""
    lines = doc.text.splitlines()
    found = []
    for number in range(ins.line, min(ins.end_line, len(lines)) + 1):
        for match in pattern.finditer(lines[number - 1]):
            found.append((number, match.start(), match.end()))
    return found
