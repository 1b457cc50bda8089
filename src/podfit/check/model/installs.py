"""What an image installs: OS and Python package installs in RUN commands, requirement files
and the packages that build from source on musl."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from podfit.check.documents.dockerfile import DockerfileDoc, Stage
from podfit.check.model.images import _PYTHON, Command, _HasPath

if TYPE_CHECKING:
    from podfit.check.model.model import Model

_PIP = re.compile(r"pip[0-9.]*")



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


def stage_python_dependencies(model: Model, doc: DockerfileDoc,
                              stage: Stage) -> set[str] | None:
    """Names of the Python packages ``stage`` installs (``None``: it installs none)."""
    names: set[str] | None = None
    here = posixpath.dirname(doc.path)
    for cmd in model.stage_commands(stage):
        args = pip_install_args(cmd)
        project_install = any(cmd.head == tool and sub in cmd.argv[1:3]
                              for tool, sub in _PROJECT_INSTALLS)
        if args is None and not project_install:
            continue
        names = names or set()
        if args is None or any(is_local(w) and not w.endswith((".whl", ".txt"))
                               for w in package_words(args, _VALUE_OPTS)):
            pyproject = _nearest(model.pyprojects, here, "pyproject.toml")
            if pyproject is not None:
                names |= pyproject.dependencies.names()
        if args is None:
            continue
        names |= {spec_name(s) for s in requirement_specs(args)}
        for reference in requirement_files(args):
            found = _nearest(model.requirements, here, reference)
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
