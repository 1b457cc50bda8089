"""``docker build`` / ``buildah bud`` / ``podman build`` lines in shell scripts, Makefiles and
GitHub workflows (``run:`` steps and ``docker/build-push-action``), read as text.

Only what names an image and its folder is kept: ``-t``/``--tag``, ``-f``/``--file`` and the
context argument. Variables set in the same file (``IMAGE=…``, ``IMAGE ?= …``, workflow
``env:``) are expanded; anything else stays as written.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Iterator, Mapping

import yaml

from podfit.check.documents.image_builds import ImageBuild, candidates
from podfit.core.yamlsrc import Map, load_documents

_ENGINES = {"docker", "podman", "buildah", "nerdctl"}
#: Options of the build commands that take a value (so the value is not the context).
_VALUED = {"--build-arg", "--target", "--platform", "--label", "--cache-from", "--cache-to",
           "--secret", "--ssh", "--network", "--progress", "-o", "--output", "--iidfile",
           "--build-context", "--add-host", "--format", "--metadata-file", "--builder",
           "--shm-size", "--ulimit", "--annotation", "--arch", "--os", "--authfile",
           "--creds", "--jobs", "--layers", "--manifest", "--isolation", "--cpu-shares",
           "--memory", "-m", "--attest", "--sbom", "--provenance", "--allow", "--volume", "-v"}
_SPLIT = re.compile(r"\s*(?:&&|\|\||;|\|)\s*")
_ASSIGN_SHELL = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(\S*)\s*$")
_ASSIGN_MAKE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*(?:\?=|:=|::=|=)\s*(.*?)\s*$")
_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_VAR = re.compile(r"\$\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}|"
                  r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|"
                  r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)|\$([A-Za-z_][A-Za-z0-9_]*)")


def expand(text: str, env: Mapping[str, str]) -> str:
    """``$X``, ``${X}``, ``${X:-default}``, ``$(X)`` (make) and ``${{ env.X }}`` from ``env``;
    unknown names stay as written."""
    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2) or match.group(4) or match.group(5)
        if name in env:
            return env[name]
        if match.group(3) is not None:
            return match.group(3)
        return match.group(0)

    # An unresolved workflow expression stays one word: `${{ github.sha }}` -> `${{github.sha}}`.
    return _EXPRESSION.sub(lambda m: "${{" + m.group(1) + "}}", _VAR.sub(replace, text))


def logical_lines(text: str, *, make: bool = False) -> Iterator[tuple[int, str]]:
    """Lines with ``\\`` continuations joined, comments and blank lines dropped."""
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if make and not pending:
            line = line.lstrip("@-+").strip()
        if not pending:
            if not line or line.startswith("#"):
                continue
            start = number
        if line.endswith("\\"):
            pending.append(line[:-1].strip())
            continue
        pending.append(line)
        yield start, " ".join(p for p in pending if p)
        pending = []
    if pending:
        yield start, " ".join(pending)


def _words(command: str) -> list[str]:
    try:
        return shlex.split(command, comments=True)
    except ValueError:  # an unbalanced quote: take the plain words
        return command.split()


def build_args(words: list[str]) -> tuple[list[str], str | None, str | None] | None:
    """``(tags, dockerfile, context)`` when ``words`` is a build command, else ``None``."""
    while words and (words[0] in {"sudo", "env", "time", "exec"} or "=" in words[0]):
        words = words[1:]
    if len(words) < 2:
        return None
    engine = posixpath.basename(words[0]).lower()
    if engine not in _ENGINES and not re.fullmatch(r"\$[({]?(DOCKER|PODMAN|BUILDAH|CONTAINER_"
                                                    r"ENGINE|ENGINE|OCI_BIN)[)}]?", words[0]):
        return None
    rest = words[1:]
    if rest[:2] in (["buildx", "build"], ["image", "build"], ["builder", "build"]):
        rest = rest[2:]
    elif rest[0] in {"build", "bud"} or (rest[0] == "buildx" and len(rest) > 1 and
                                          rest[1] == "b"):
        rest = rest[1:]
    else:
        return None
    tags: list[str] = []
    dockerfile: str | None = None
    positional: list[str] = []
    i = 0
    while i < len(rest):
        word = rest[i]
        name, eq, value = word.partition("=")
        if name in {"-t", "--tag", "-f", "--file"}:
            if not eq:
                i += 1
                value = rest[i] if i < len(rest) else ""
            if name in {"-t", "--tag"}:
                tags.append(value)
            else:
                dockerfile = value
        elif word.startswith("-t") and len(word) > 2 and not word.startswith("--"):
            tags.append(word[2:])
        elif word.startswith("-f") and len(word) > 2 and not word.startswith("--"):
            dockerfile = word[2:]
        elif word in _VALUED:
            i += 1
        elif not word.startswith("-"):
            positional.append(word)
        i += 1
    context = positional[-1] if positional else None
    return tags, dockerfile, context


def _builds_from_line(path: str, line: int, text: str, env: Mapping[str, str],
                      bases: tuple[str, ...], *, source: str) -> Iterator[ImageBuild]:
    for command in _SPLIT.split(text):
        if not any(engine in command for engine in ("build", "bud")):
            continue
        parsed = build_args(_words(expand(command, env)))
        if parsed is None:
            continue
        tags, dockerfile, context = parsed
        if context is None or context == "-" or "://" in context:
            continue  # a remote or stdin context is not a folder of this repository
        contexts, files = candidates(bases, context, dockerfile)
        for tag in tags or [""]:
            yield ImageBuild(tag, contexts, files, path, line, source)


def _shell_env(lines: list[tuple[int, str]], make: bool) -> dict[str, str]:
    env: dict[str, str] = {}
    pattern = _ASSIGN_MAKE if make else _ASSIGN_SHELL
    for _, text in lines:
        match = pattern.match(text)
        if match and match.group(1) not in env:
            value = match.group(2).strip().strip("\"'")
            env[match.group(1)] = expand(value, env)
    return env


def parse_script_builds(path: str, text: str) -> tuple[ImageBuild, ...]:
    """Build lines of a shell script: contexts relative to its folder or the one above (a
    script's working directory is not written down)."""
    folder = posixpath.dirname(path)
    bases = (folder, posixpath.dirname(folder)) if folder else ("",)
    lines = list(logical_lines(text))
    env = _shell_env(lines, make=False)
    return tuple(b for number, line in lines
                 for b in _builds_from_line(path, number, line, env, bases, source="build-line"))


def parse_makefile_builds(path: str, text: str) -> tuple[ImageBuild, ...]:
    """Build lines of a Makefile's recipes: ``make`` runs them in the Makefile's folder."""
    lines = list(logical_lines(text, make=True))
    env = _shell_env(lines, make=True)
    bases = (posixpath.dirname(path),)
    return tuple(b for number, line in lines
                 for b in _builds_from_line(path, number, line, env, bases, source="build-line"))


def _workflow_root(path: str) -> str:
    parts = path.split("/")
    if len(parts) >= 3 and parts[-3:-1] == [".github", "workflows"]:
        return "/".join(parts[:-3])
    return posixpath.dirname(path)


def _env_map(node: object) -> dict[str, str]:
    return {str(k): str(v) for k, v in node.items()} if isinstance(node, Mapping) else {}


def _run_start(lines: list[str], key_line: int) -> int:
    """First line of a ``run:`` value: the next line for a block scalar (``|``, ``>-``)."""
    raw = lines[key_line - 1] if 0 < key_line <= len(lines) else ""
    value = raw.split("run:", 1)[-1].strip()
    return key_line + 1 if value[:1] in {"|", ">"} else key_line


def parse_workflow_builds(path: str, text: str) -> tuple[ImageBuild, ...]:
    """Build lines in a GitHub workflow: ``run:`` steps and ``docker/build-push-action``."""
    found: list[ImageBuild] = []
    lines = text.splitlines()
    bases = (_workflow_root(path),)
    try:
        docs = [d.data for d in load_documents(text)]
    except yaml.YAMLError:
        return ()
    for data in docs:
        if not isinstance(data, Map) or not isinstance(data.get("jobs"), Mapping):
            continue
        top = _env_map(data.get("env"))
        for job in data["jobs"].values():
            if not isinstance(job, Map) or not isinstance(job.get("steps"), list):
                continue
            job_env = {**top, **_env_map(job.get("env"))}
            for step in job["steps"]:
                if isinstance(step, Map):
                    found += _step_builds(path, lines, step, {**job_env,
                                                              **_env_map(step.get("env"))}, bases)
    return tuple(found)


def _step_builds(path: str, lines: list[str], step: Map, env: dict[str, str],
                 bases: tuple[str, ...]) -> list[ImageBuild]:
    run = step.get("run")
    if isinstance(run, str):
        first = _run_start(lines, step.line_of("run"))
        return [b for offset, line in logical_lines(run)
                for b in _builds_from_line(path, first + offset - 1, line, env, bases,
                                           source="workflow")]
    uses = str(step.get("uses", ""))
    with_ = step.get("with")
    if not uses.startswith("docker/build-push-action") or not isinstance(with_, Map):
        return []
    context = expand(str(with_.get("context", ".")), env)
    file = with_.get("file")
    contexts, files = candidates(bases, context, expand(str(file), env) if file else None)
    tags = [t.strip() for t in re.split(r"[,\n]", expand(str(with_.get("tags", "")), env))
            if t.strip()]
    line = with_.line_of("tags") if "tags" in with_ else step.line_of("uses")
    return [ImageBuild(tag, contexts, files, path, line, "workflow") for tag in tags or [""]]


def is_workflow(path: str) -> bool:
    return "/.github/workflows/" in f"/{path}" and path.endswith((".yml", ".yaml"))
