"""Dockerfile facts shared by the image rules (PF1xx): the simple commands inside a RUN,
its cache mounts, the stages whose files end up in the final image, package installs."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from podfit.check.documents.dockerfile import DockerfileDoc, Instruction, Stage
from podfit.check.project import Project
from podfit.core.servers import split_shell

_SEPARATORS = re.compile(r"&&|\|\||;|\||\n|(?<![&>])&(?![&>])")
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
#: Shell keywords and prefixes that come before the real command of a fragment.
_PREFIXES = {"then", "do", "else", "{", "(", "!", "sudo", "time", "command", "exec"}
_SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh"})
_PIP = re.compile(r"pip[0-9.]*")
_PYTHON = re.compile(r"python[0-9.]*")
#: Words that say a stage's base is a full (non-slim) Debian-based python image.
SLIM_MARKERS = ("slim", "alpine", "distroless", "chainguard", "wolfi", "musl")
COMPILERS = frozenset({"gcc", "g++", "cc", "clang", "build-essential", "build-base", "musl-dev",
                       "make", "cmake", "gfortran", "rust", "rustc", "cargo", "linux-headers"})


class _HasPath(Protocol):
    @property
    def path(self) -> str: ...


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


#: Options that take a value and may come before a subcommand (``apt-get -o X install``).
_GLOBAL_VALUE_OPTS = frozenset({"-o", "--option", "-c", "--config-file", "-t",
                                "--target-release", "--directory", "--project", "--cache-dir",
                                "--python", "-p", "--index-url", "-i", "--log", "-X",
                                "--repository", "--root"})


def subcommand_args(cmd: Command, tool: str, sub: str) -> list[str] | None:
    """Words after ``tool … sub`` (global options may come between), else ``None``."""
    if cmd.head != tool:
        return None
    skip = False
    for index, word in enumerate(cmd.argv[1:], start=1):
        if skip:
            skip = False
        elif word == sub:
            return [*cmd.argv[1:index], *cmd.argv[index + 1:]]
        elif word.startswith("-"):
            skip = word in _GLOBAL_VALUE_OPTS
        else:
            return None
    return None


def pip_install_args(cmd: Command) -> list[str] | None:
    """Arguments of ``pip install`` / ``python -m pip install`` / ``uv pip install``."""
    argv = list(cmd.argv)
    if not argv:
        return None
    head = posixpath.basename(argv[0])
    if _PYTHON.fullmatch(head) and argv[1:3] == ["-m", "pip"]:
        argv = ["pip", *argv[3:]]
    elif head == "uv" and len(argv) > 1 and argv[1] == "pip":
        argv = ["pip", *argv[2:]]
    elif not _PIP.fullmatch(head):
        return None
    return subcommand_args(Command(tuple(argv), cmd.env, cmd.ins), "pip", "install")


def package_words(args: list[str], value_options: frozenset[str] = frozenset()) -> list[str]:
    """Positional words of an install command (options and their values dropped)."""
    words, skip = [], False
    for word in args:
        if skip:
            skip = False
        elif word.startswith("-"):
            skip = word in value_options
        else:
            words.append(word)
    return words


def os_removals(cmd: Command) -> list[str] | None:
    """Packages (or apk virtual groups) of ``apk del``/``apt-get purge|remove``/``yum remove``."""
    for tool, sub in (("apk", "del"), ("apt-get", "purge"), ("apt-get", "remove"),
                      ("apt", "purge"), ("apt", "remove"), ("yum", "remove"),
                      ("dnf", "remove"), ("microdnf", "remove")):
        args = subcommand_args(cmd, tool, sub)
        if args is not None:
            return package_words(args, _GLOBAL_VALUE_OPTS)
    return None


def apk_virtual(cmd: Command) -> str | None:
    """The ``--virtual NAME`` (``-t NAME``) group of an ``apk add``."""
    args = subcommand_args(cmd, "apk", "add") or []
    for index, word in enumerate(args):
        if word in {"--virtual", "-t"} and index + 1 < len(args):
            return args[index + 1]
        if word.startswith("--virtual="):
            return word.partition("=")[2]
    return None


def os_packages(cmd: Command) -> list[str] | None:
    """Packages of ``apt-get install``/``apt install``/``apk add``/``yum|dnf install``."""
    for tool, sub in (("apt-get", "install"), ("apt", "install"), ("apk", "add"),
                      ("yum", "install"), ("dnf", "install"), ("microdnf", "install")):
        args = subcommand_args(cmd, tool, sub)
        if args is not None:
            return package_words(args, frozenset({"-o", "-t", "--target-release", "--virtual",
                                                  "--repository", "-X"}))
    return None


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


#: Python packages that build from source on Alpine/musl. ``True``: always (sdist only, or no
#: musllinux wheels at all); ``False``: musllinux wheels exist only for recent releases and
#: Python versions, so the package often builds from source (reported with compiler evidence).
MUSL_BUILDS: dict[str, tuple[bool, str]] = {
    "psycopg2": (True, "sdist only: needs gcc and postgresql-dev; psycopg2-binary has wheels"),
    "mysqlclient": (True, "sdist only: needs gcc and mariadb-dev"),
    "uwsgi": (True, "sdist only: needs gcc and linux-headers"),
    "mod-wsgi": (True, "sdist only: needs gcc and the Apache headers"),
    "python-ldap": (True, "sdist only: needs gcc and openldap-dev"),
    "torch": (True, "no musllinux wheels"),
    "tensorflow": (True, "no musllinux wheels"),
    "grpcio": (False, "often builds from source on musl, which takes many minutes"),
    "grpcio-tools": (False, "often builds from source on musl"),
    "pandas": (False, "older releases have no musllinux wheels"),
    "numpy": (False, "older releases have no musllinux wheels"),
    "scipy": (False, "older releases have no musllinux wheels; needs gfortran"),
    "scikit-learn": (False, "older releases have no musllinux wheels"),
    "matplotlib": (False, "older releases have no musllinux wheels"),
    "pyarrow": (False, "musllinux wheels missing for many releases"),
    "lxml": (False, "older releases need libxml2-dev and libxslt-dev"),
    "cryptography": (False, "older releases need Rust and openssl-dev"),
    "pillow": (False, "older releases need jpeg-dev and zlib-dev"),
    "gevent": (False, "older releases have no musllinux wheels"),
}

_REQUIREMENT_OPTS = frozenset({"-r", "--requirement"})
_VALUE_OPTS = frozenset({"-c", "--constraint", "-i", "--index-url", "--extra-index-url",
                         "-f", "--find-links", "--target", "-t", "--prefix", "--root",
                         "--python", "-p", "--platform", "--python-version", "--implementation",
                         "--abi", "--only-binary", "--no-binary", "--trusted-host", "--src",
                         "--upgrade-strategy", "--progress-bar", "--cache-dir", "--log",
                         "--timeout", "--retries", "--report", "--config-settings", "-C",
                         "--extra", "--group", "--python-platform", "--index", "--default-index"})
_PROJECT_INSTALLS = (("uv", "sync"), ("poetry", "install"), ("pdm", "install"),
                     ("pdm", "sync"), ("pipenv", "install"), ("pipenv", "sync"))


def requirement_files(args: list[str]) -> list[str]:
    """Files named by ``-r FILE`` / ``--requirement=FILE`` / ``-rFILE``."""
    files = []
    for index, word in enumerate(args):
        if word in _REQUIREMENT_OPTS and index + 1 < len(args):
            files.append(args[index + 1])
        elif word.startswith("--requirement="):
            files.append(word.partition("=")[2])
        elif word.startswith("-r") and len(word) > 2 and not word.startswith("--"):
            files.append(word[2:])
    return files


def requirement_specs(args: list[str]) -> list[str]:
    """Package specifiers installed by name (``flask``, ``flask==3.0``), not paths or URLs."""
    specs = []
    skip = False
    for word in args:
        if skip:
            skip = False
            continue
        if word.startswith("-"):
            skip = word in _VALUE_OPTS or word in _REQUIREMENT_OPTS or word in {"-e",
                                                                                "--editable"}
            continue
        if is_local(word) or "$" in word:
            continue
        specs.append(word)
    return specs


def is_local(word: str) -> bool:
    """A path, wheel, archive or URL rather than a name from an index."""
    return (word.startswith((".", "/", "~")) or "/" in word or "://" in word
            or word.endswith((".whl", ".tar.gz", ".zip", ".tgz")))


def spec_name(spec: str) -> str:
    return normalize(re.split(r"[\s\[<>=!~;@]", spec.strip("'\""), maxsplit=1)[0])


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def stage_python_dependencies(project: Project, doc: DockerfileDoc,
                              stage: Stage) -> set[str] | None:
    """Names of the Python packages ``stage`` installs (``None``: it installs none)."""
    names: set[str] | None = None
    here = posixpath.dirname(doc.path)
    for cmd in stage_commands(stage):
        args = pip_install_args(cmd)
        project_install = any(cmd.head == tool and sub in cmd.argv[1:3]
                              for tool, sub in _PROJECT_INSTALLS)
        if args is None and not project_install:
            continue
        names = names or set()
        if args is None or any(is_local(w) and not w.endswith((".whl", ".txt"))
                               for w in package_words(args, _VALUE_OPTS)):
            pyproject = _nearest(project.pyprojects, here, "pyproject.toml")
            if pyproject is not None:
                names |= pyproject.dependencies.names()
        if args is None:
            continue
        names |= {spec_name(s) for s in requirement_specs(args)}
        for reference in requirement_files(args):
            found = _nearest(project.requirements, here, reference)
            if found is not None:
                names |= found.names()
    return names


def _nearest(files: Sequence[_HasPath], directory: str, reference: str) -> Any:
    """The input ``reference`` names: a file at that relative path in the Dockerfile's
    directory or one of its ancestors (a build context may be any of them), nearest first.
    An absolute reference (a path inside the image) is matched by its file name."""
    wanted = posixpath.basename(reference) if reference.startswith("/") else posixpath.normpath(
        reference)
    best: tuple[int, Any] | None = None
    for item in files:
        if item.path != wanted and not item.path.endswith("/" + wanted):
            continue
        root = item.path[:-len(wanted)].rstrip("/")
        if root == directory or not root or directory.startswith(root + "/"):
            depth = directory.count("/") - root.count("/") if root else 1 << 16
            if best is None or depth < best[0]:
                best = (depth, item)
    return best[1] if best else None
