"""Python-side inputs read statically: gunicorn config, shell entrypoints, requirements,
pyproject.toml, Procfile and .dockerignore. Nothing here imports or runs user code."""

from __future__ import annotations

import ast
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any

from podfit.core.errors import InputError


@dataclass(frozen=True)
class Setting:
    """A module-level assignment in a gunicorn config file."""

    name: str
    value: object  # the literal value, or None when it is computed
    source: str  # the expression as written
    line: int
    uses_cpu_count: bool


@dataclass(frozen=True)
class GunicornConfig:
    path: str
    text: str
    settings: dict[str, Setting]


_CPU_COUNT = re.compile(r"\b(cpu_count|process_cpu_count)\s*\(")


def parse_gunicorn_config(path: str, text: str) -> GunicornConfig:
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as exc:
        raise InputError(f"{path}: gunicorn config is not valid Python: {exc.msg}",
                         f"fix the syntax at line {exc.lineno}") from None
    settings: dict[str, Setting] = {}
    for node in tree.body:
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        for target in targets:
            if isinstance(target, ast.Name) and value is not None:
                source = ast.get_source_segment(text, value) or ""
                try:
                    literal: object = ast.literal_eval(value)
                except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                    literal = None
                settings[target.id] = Setting(target.id, literal, source, node.lineno,
                                              bool(_CPU_COUNT.search(source)))
    # A helper computed above (``cores = multiprocessing.cpu_count()``) taints its users.
    tainted = {name for name, s in settings.items() if s.uses_cpu_count}
    for name, setting in list(settings.items()):
        if not setting.uses_cpu_count and any(
                re.search(rf"\b{re.escape(t)}\b", setting.source) for t in tainted):
            settings[name] = Setting(name, setting.value, setting.source, setting.line, True)
    return GunicornConfig(path, text, settings)


@dataclass(frozen=True)
class ShellScript:
    """A shell entrypoint: its logical command lines (continuations joined) with line numbers."""

    path: str
    text: str
    commands: tuple[tuple[int, str], ...]

    @property
    def last_command(self) -> tuple[int, str] | None:
        return self.commands[-1] if self.commands else None


_SHELL_SKIP = re.compile(r"^(fi|done|esac|then|else|do|\}|;;|\))\s*(#.*)?$")


def parse_shell_script(path: str, text: str) -> ShellScript:
    commands: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not pending:
            if not line or line.startswith("#") or _SHELL_SKIP.match(line):
                continue
            start = number
        if line.endswith("\\"):
            pending.append(line[:-1].strip())
            continue
        pending.append(line)
        commands.append((start, " ".join(p for p in pending if p)))
        pending = []
    if pending:
        commands.append((start, " ".join(pending)))
    return ShellScript(path, text, tuple(commands))


@dataclass(frozen=True)
class Requirement:
    name: str  # normalized (lower case, ``-``)
    spec: str  # as written after the name
    line: int

    @property
    def pinned(self) -> bool:
        return "==" in self.spec or "===" in self.spec or self.spec.startswith("@")


@dataclass(frozen=True)
class Requirements:
    path: str
    text: str
    requirements: tuple[Requirement, ...]

    def names(self) -> set[str]:
        return {r.name for r in self.requirements}


_REQ = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$")


def normalize_name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_requirement_lines(path: str, lines: list[tuple[int, str]]) -> Requirements:
    reqs: list[Requirement] = []
    for number, raw in lines:
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith(("#", "-")):
            continue
        match = _REQ.match(line)
        if match:
            reqs.append(Requirement(normalize_name(match.group(1)), match.group(3).strip(), number))
    return Requirements(path, "\n".join(r for _, r in lines), tuple(reqs))


def parse_requirements(path: str, text: str) -> Requirements:
    return parse_requirement_lines(path, list(enumerate(text.splitlines(), start=1)))


@dataclass(frozen=True)
class PyProject:
    path: str
    text: str
    data: dict[str, Any]
    dependencies: Requirements


def parse_pyproject(path: str, text: str) -> PyProject:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: invalid TOML: {exc}", "fix the TOML syntax") from None
    deps: list[str] = list(data.get("project", {}).get("dependencies", []) or [])
    poetry = data.get("tool", {}).get("poetry", {}).get("dependencies", {}) or {}
    deps += [f"{k}{' ' + v if isinstance(v, str) else ''}" for k, v in poetry.items()
             if k.lower() != "python"]
    lines = text.splitlines()

    def line_of(dep: str) -> int:
        name = re.split(r"[\s\[<>=!~;@]", dep, maxsplit=1)[0]
        for number, raw in enumerate(lines, start=1):
            if name and name in raw:
                return number
        return 1

    reqs = parse_requirement_lines(path, [(line_of(d), d) for d in deps if isinstance(d, str)])
    return PyProject(path, text, data, reqs)


@dataclass(frozen=True)
class Procfile:
    path: str
    text: str
    processes: dict[str, tuple[int, str]]


def parse_procfile(path: str, text: str) -> Procfile:
    processes: dict[str, tuple[int, str]] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        name, sep, command = raw.partition(":")
        if sep and name.strip() and not name.strip().startswith("#"):
            processes[name.strip()] = (number, command.strip())
    return Procfile(path, text, processes)


@dataclass(frozen=True)
class DockerIgnore:
    path: str
    text: str
    patterns: tuple[str, ...] = field(default=())

    def ignores(self, name: str) -> bool:
        """Whether a top-level entry of the context is excluded (enough for .git, .venv…)."""
        import fnmatch

        excluded = False
        for pattern in self.patterns:
            negate = pattern.startswith("!")
            body = pattern[1:] if negate else pattern
            body = body.strip("/").removeprefix("./").removeprefix("**/")
            if fnmatch.fnmatch(name, body) or body in {"*", "**"}:
                excluded = not negate
        return excluded


def parse_dockerignore(path: str, text: str) -> DockerIgnore:
    patterns = tuple(line.strip() for line in text.splitlines()
                     if line.strip() and not line.strip().startswith("#"))
    return DockerIgnore(path, text, patterns)
