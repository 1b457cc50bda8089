"""Which files ``check`` reads: walking directories honours .gitignore and ``exclude``."""

from __future__ import annotations

import fnmatch
import os
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

_ALWAYS_SKIPPED = {".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__",
                   ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages"}


def kind_of(name: str, parent: str = "") -> str | None:
    """The kind of input a file name (in folder ``parent``) denotes, or ``None`` when
    ``check`` does not read it."""
    lower = name.lower()
    if lower in {"dockerfile", "containerfile"} or lower.endswith(".dockerfile") or \
            lower.startswith(("dockerfile.", "containerfile.")):
        return "dockerfile"
    if lower.endswith((".yaml", ".yml")):
        return "yaml"
    if lower == ".dockerignore":
        return "dockerignore"
    if lower == "procfile":
        return "procfile"
    if lower == "pyproject.toml":
        return "pyproject"
    if (lower.startswith("requirements") or parent.lower() == "requirements") and \
            lower.endswith((".txt", ".in")):
        return "requirements"
    if lower.endswith(".py") and "gunicorn" in lower:
        return "gunicorn"
    if lower.endswith(".ini"):
        return "uwsgi-ini"  # read for its [uwsgi] section; other ini files have none
    if lower in {"makefile", "gnumakefile"} or lower.endswith(".mk"):
        return "makefile"  # read for `docker build -t IMAGE DIR` lines only
    if lower.endswith(".sh") or lower in {"entrypoint", "docker-entrypoint", "start", "run"}:
        return "shell"
    return None


@dataclass(frozen=True)
class Pattern:
    base: str
    regex: re.Pattern[str]
    negate: bool
    dir_only: bool


def _compile(base: str, line: str) -> Pattern | None:
    line = line.rstrip()
    if not line or line.startswith("#"):
        return None
    negate = line.startswith("!")
    if negate:
        line = line[1:]
    dir_only = line.endswith("/")
    line = line.rstrip("/")
    # A slash at the start or in the middle anchors the pattern to its .gitignore's folder.
    anchored = "/" in line
    line = line.lstrip("/")
    regex = fnmatch.translate(line).replace(".*", "[^/]*").replace("[^/]*[^/]*", ".*")
    if not anchored:
        regex = r"(?:.*/)?" + regex
    return Pattern(base, re.compile(regex), negate, dir_only)


class IgnoreRules:
    """.gitignore semantics (enough of them): per-directory files, negation, dir-only."""

    def __init__(self, exclude: tuple[str, ...]) -> None:
        self.patterns: list[Pattern] = []
        for item in exclude:
            compiled = _compile("", item)
            if compiled:
                self.patterns.append(compiled)

    def add_file(self, directory: str, path: Path) -> None:
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return
        for line in lines:
            compiled = _compile(directory, line)
            if compiled:
                self.patterns.append(compiled)

    def ignored(self, rel: str, is_dir: bool) -> bool:
        result = False
        for pattern in self.patterns:
            if pattern.dir_only and not is_dir:
                continue
            if pattern.base:
                if not rel.startswith(pattern.base + "/"):
                    continue
                target = rel[len(pattern.base) + 1:]
            else:
                target = rel
            if pattern.regex.fullmatch(target):
                result = not pattern.negate
        return result


def walk(root: Path, exclude: tuple[str, ...]) -> Iterator[tuple[Path, str]]:
    """Yield ``(path, kind)`` for every readable input below ``root``."""
    rules = IgnoreRules(exclude)
    for directory, dirnames, filenames in os.walk(root):
        here = Path(directory)
        rel_dir = here.relative_to(root).as_posix()
        rel_dir = "" if rel_dir == "." else rel_dir
        if ".gitignore" in filenames:
            rules.add_file(rel_dir, here / ".gitignore")
        is_chart = "Chart.yaml" in filenames
        keep = []
        for name in sorted(dirnames):
            rel = f"{rel_dir}/{name}" if rel_dir else name
            if name in _ALWAYS_SKIPPED or rules.ignored(rel, True):
                continue
            if is_chart and name == "templates":
                continue  # Helm templates are not YAML until rendered: pipe `helm template`
            keep.append(name)
        dirnames[:] = keep
        for name in sorted(filenames):
            kind = kind_of(name, here.name)
            rel = f"{rel_dir}/{name}" if rel_dir else name
            if kind and not rules.ignored(rel, False):
                yield here / name, kind


# -- Helm charts and unrendered templates ---------------------------------------------------
#: Go-template actions that make a file a template, not YAML: ``{{ .Values.x }}``,
#: ``{{- include … }}``, ``{{ if … }}``… (``{{ $labels.x }}`` inside an alert's quoted text is
#: data, not a template, and does not match).
_TEMPLATE_ACTION = re.compile(r"\{\{-?\s*(?:\.[A-Za-z]|\$\.|include\b|if\b|range\b|end\b|"
                              r"define\b|template\b|toYaml\b|with\b|else\b|tpl\b|required\b|"
                              r"default\b|quote\b|printf\b|/\*)")
_SOURCE = re.compile(r"^# Source: (\S+)\s*$")
#: Longest a chart may take to render before podfit gives up on it.
HELM_TIMEOUT = 60.0


def looks_templated(text: str) -> bool:
    """Whether ``text`` is a Go/Helm template that must be rendered before it is YAML."""
    return "{{" in text and _TEMPLATE_ACTION.search(text) is not None


@dataclass(frozen=True)
class Skipped:
    """An input podfit did not check, and how to get it checked."""

    path: str
    reason: str
    hint: str


@dataclass(frozen=True)
class RenderedFile:
    """What one template file of a chart rendered to, with each rendered line's line in
    the template (best effort: lines copied verbatim match exactly, a line a template action
    produced maps to the action's line)."""

    path: str  # the template's display path
    text: str
    template_lines: tuple[int, ...]  # index: rendered line - 1

    def template_line(self, line: int) -> int:
        if 0 < line <= len(self.template_lines):
            return self.template_lines[line - 1]
        return line


def chart_roots(root: Path, exclude: tuple[str, ...]) -> list[Path]:
    """Folders below (or at) ``root`` that hold a ``Chart.yaml`` and are not subcharts of one
    (``helm template`` renders those with their parent)."""
    rules = IgnoreRules(exclude)
    found: list[Path] = []
    for directory, dirnames, filenames in os.walk(root):
        here = Path(directory)
        rel = here.relative_to(root).as_posix()
        if rel != "." and rules.ignored(rel, True):
            dirnames[:] = []
            continue
        dirnames[:] = sorted(d for d in dirnames if d not in _ALWAYS_SKIPPED)
        if "Chart.yaml" in filenames:
            found.append(here)
            dirnames[:] = []  # subcharts render with their parent
    return found


def template_folder_chart(path: Path) -> Path | None:
    """The chart a ``templates/`` folder (or a file in it) belongs to, for the hint."""
    for parent in (path, *path.parents):
        if parent.name == "templates" and (parent.parent / "Chart.yaml").is_file():
            return parent.parent
    return None


def render_chart(chart: Path, display: str, values: tuple[str, ...] = (),
                 helm: str | None = None) -> tuple[list[RenderedFile], Skipped | None]:
    """Render ``chart`` with ``helm template`` (values files relative to the chart, or as
    given), split the output by its ``# Source:`` comments back into template files."""
    import shutil
    import subprocess

    hint = f"install helm, or check the rendered chart: helm template {display} | " \
           "podfit check -"
    helm = helm or shutil.which("helm")
    if helm is None:
        return [], Skipped(display, "Helm chart not rendered: helm is not on PATH", hint)
    command = [helm, "template", chart.name or "release", str(chart)]
    for value in values:
        candidate = chart / value
        command += ["--values", str(candidate if candidate.is_file() else Path(value))]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=HELM_TIMEOUT,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return [], Skipped(display, f"Helm chart not rendered: {exc}", hint)
    if done.returncode != 0:
        first = next((line for line in done.stderr.splitlines() if line.strip()), "failed")
        return [], Skipped(display, f"Helm chart not rendered: helm template: {first}",
                           "fix the chart or pass values (helm-values in [tool.podfit.check]),"
                           f" or pipe: helm template {display} -f VALUES | podfit check -")
    return split_rendered(done.stdout, display, chart), None


def split_rendered(text: str, display: str, chart: Path | None,
                   preamble_name: str = "<stdin>") -> list[RenderedFile]:
    """``helm template`` output, regrouped per template file (``# Source: name/templates/x``
    becomes ``<display>/templates/x``)."""
    chunks: dict[str, list[str]] = {}
    current: list[str] | None = None
    preamble: list[str] = []  # documents before any "# Source:" (a stream from elsewhere)
    for line in text.splitlines():
        match = _SOURCE.match(line)
        if match:
            rel = match.group(1).split("/", 1)[1] if "/" in match.group(1) else match.group(1)
            path = f"{display.rstrip('/')}/{rel}" if display not in {"", "."} else rel
            current = chunks.setdefault(path, [])
            if current and current[-1].strip() != "---":
                current.append("---")
            current.append(line)
        elif current is not None:
            current.append(line)  # "---" too: a template may render several documents
        else:
            preamble.append(line)
    if any(line.strip() and line.strip() != "---" for line in preamble):
        chunks = {preamble_name: preamble, **chunks}
    files = []
    for path, lines in chunks.items():
        template = _template_text(chart, display, path)
        files.append(RenderedFile(path, "\n".join(lines) + "\n", _align(lines, template)))
    return files


def _template_text(chart: Path | None, display: str, path: str) -> list[str]:
    if chart is None:
        return []
    rel = path[len(display.rstrip("/")) + 1:] if display not in {"", "."} else path
    try:
        return (chart / rel).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


def _align(rendered: list[str], template: list[str]) -> tuple[int, ...]:
    """Greedy monotone alignment of rendered lines to template lines (see RenderedFile)."""
    if not template:
        return tuple(range(1, len(rendered) + 1))
    stripped = [t.strip() for t in template]
    mapping: list[int] = []
    position = 0  # next template line (0-based) not yet matched
    for line in rendered:
        wanted = line.strip()
        found = None
        if wanted and not wanted.startswith("# Source:"):
            for index in range(position, min(len(stripped), position + 60)):
                if stripped[index] == wanted:
                    found = index
                    break
        key = wanted.split(":", 1)[0] + ":" if ":" in wanted else None
        if found is None and key:  # `image: "{{ .Values.image }}"` rendered: same key
            for index in range(position, min(len(stripped), position + 12)):
                if stripped[index].startswith(key) and "{{" in stripped[index]:
                    found = index
                    break
        if found is not None:
            mapping.append(found + 1)
            position = found + 1
        elif position < len(stripped) and "{{" in stripped[position]:
            mapping.append(position + 1)  # produced by the action on the next line
        else:
            mapping.append(max(1, min(position, len(template))))
    return tuple(mapping)


#: The kind of a :class:`Skipped` input turned into an engine source: reported, not parsed.
SKIPPED = "skipped"


def charts_below(root: Path, display: str, exclude: tuple[str, ...],
                 values: tuple[str, ...]) -> tuple[list[RenderedFile], list[Skipped]]:
    """Every chart below ``root`` rendered (or skipped, with why and a hint); ``display`` is
    how ``root`` is shown, so template paths read like the other inputs."""
    rendered: list[RenderedFile] = []
    skipped: list[Skipped] = []
    for chart in chart_roots(root, exclude):
        rel = chart.relative_to(root).as_posix()
        shown = display if rel == "." else (f"{display}/{rel}" if display not in {"", "."}
                                           else rel)
        files, skip = render_chart(chart, shown, values)
        rendered += files
        if skip is not None:
            skipped.append(skip)
    return rendered, skipped


def rendered_stream(text: str) -> list[RenderedFile] | None:
    """A ``helm template`` stream on standard input, split by its ``# Source:`` comments
    into the template files (relative to the working directory, as helm names them)."""
    if "# Source: " not in text:
        return None
    files = split_rendered(text, "", None)
    out = []
    for rendered in files:
        # helm names "<chart name>/templates/x.yaml"; split_rendered dropped the chart name
        match = next((m for m in (_SOURCE.match(line) for line in rendered.text.splitlines())
                      if m), None)
        path = match.group(1) if match else rendered.path
        template = _template_text(Path("."), "", path)
        lines = rendered.text.splitlines()
        out.append(RenderedFile(path, rendered.text, _align(lines, template)))
    return out


def template_notice(path: str, text: str) -> Skipped | None:
    """A notice for a YAML input that is an unrendered template, else ``None``."""
    if not looks_templated(text):
        return None
    chart = template_folder_chart(Path(path))
    if chart is not None:
        hint = f"check the chart instead (podfit renders it with helm): podfit check {chart}"
    else:
        hint = "render it first and pipe the result: helm template … | podfit check -"
    return Skipped(path, "template not checked: it is not YAML until rendered", hint)


#: Most entry modules read per run, and the largest one (they are scanned with ``ast``).
MAX_MODULES = 100
MAX_MODULE_SIZE = 1 << 20


def entry_modules(inputs: list[tuple[str, str, str]], seen: set[str]) -> list[tuple[str, str]]:
    """The Python files images run (``python app.py``, ``python -m svc`` in a Dockerfile,
    manifest or script), read from each Dockerfile's folder: ``(display path, text)``.
    ``inputs`` are ``(path, kind, text)``; files already read are skipped."""
    from podfit.check.documents.python_module import scripts_named

    folders = {posixpath.dirname(p) for p, kind, _ in inputs if kind == "dockerfile"}
    if not folders:
        return []
    names: set[str] = set()
    for _, kind, text in inputs:
        if kind in {"dockerfile", "yaml", "shell", "procfile"} and "python" in text:
            names |= scripts_named(text)
    found: list[tuple[str, str]] = []
    for folder in sorted(folders):
        for name in sorted(names):
            display = posixpath.normpath(posixpath.join(folder, name))
            path = Path(display)
            if display in seen or name.startswith("/") or len(found) >= MAX_MODULES:
                continue
            try:
                if not path.is_file() or path.stat().st_size > MAX_MODULE_SIZE:
                    continue
                found.append((display, path.read_text(encoding="utf-8", errors="replace")))
            except OSError:
                continue
            seen.add(display)
    return found
