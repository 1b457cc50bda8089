"""Runs ``check``: read inputs, parse them, link them into a Project, run the rules, apply
suppressions. Returns data; never prints (progress goes through an observer)."""

from __future__ import annotations

import contextlib
import dataclasses
import fnmatch
import functools
import gc
import posixpath
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from podfit.check.documents.dockerfile import parse_dockerfile
from podfit.check.documents.evidence import EVIDENCE_ONLY, evidence_of
from podfit.check.documents.kubernetes import KubeObject, parse_kubernetes
from podfit.check.documents.python_config import (
    parse_dockerignore,
    parse_gunicorn_config,
    parse_procfile,
    parse_pyproject,
    parse_requirements,
    parse_shell_script,
)
from podfit.check.documents.python_module import parse_python_module
from podfit.check.documents.uwsgi import parse_uwsgi_ini
from podfit.check.inputs import (
    SKIPPED,
    charts_below,
    entry_modules,
    kind_of,
    rendered_stream,
    template_notice,
    walk,
)
from podfit.check.model import Model, build_model
from podfit.check.model.image_links import (
    Evidence,
    ImageLink,
    attach_links,
    container_links,
    recording,
)
from podfit.check.registry import UNUSED_SUPPRESSION, load_rules
from podfit.check.rule import LoadedRule
from podfit.check.settings import CheckSettings
from podfit.check.suppressions import (
    Suppression,
    annotation_suppressions,
    comment_suppressions,
    matches,
)
from podfit.core.errors import InputError
from podfit.core.models import CheckResult, FileError, Finding
from podfit.core.progress import Progress, Stage

#: Progress (core's one event type): files read, then each rule done with its code as label.
Observer = Callable[[Progress[None]], None]

STDIN = "-"
P = ParamSpec("P")
R = TypeVar("R")
#: Engine-reported notice of a skipped chart or template (see rules/meta/unrendered_input).
UNRENDERED_INPUT = "PF002"


@dataclass(frozen=True)
class Source:
    """One input: its display path, its kind and its text (already decoded)."""

    path: str
    kind: str
    text: str
    #: A rendered Helm template: the template's line of each rendered line.
    template_lines: tuple[int, ...] = ()


def read_source(path: Path, kind: str, display: str, max_size: int) -> Source:
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # a FIFO or device would block or never end
            raise InputError(f"{display}: not a regular file", "pass files and directories")
        size = info.st_size
        if size > max_size:
            raise InputError(f"{display}: file is {size / 2**20:.1f} MiB, over the "
                             f"{max_size / 2**20:.0f} MiB limit",
                             "raise max-file-size in [tool.podfit] or exclude the file")
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{display}: cannot read: {exc.strerror or exc}") from None
    return decode(display, kind, data)


def decode(display: str, kind: str, data: bytes) -> Source:
    if b"\x00" in data:  # a NUL anywhere: parsers (ast, libyaml) would reject it less clearly
        raise InputError(f"{display}: binary file, not text", "pass only text files")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{display}: not UTF-8 (byte {exc.start})",
                         "save the file as UTF-8") from None
    if kind in {"yaml", "dockerfile"} and not text.strip():
        raise InputError(f"{display}: file is empty")
    return Source(display, kind, text)


def guess_stdin_kind(text: str) -> str:
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        word = stripped.split(None, 1)[0].upper()
        return "dockerfile" if word in {"FROM", "ARG"} else "yaml"
    return "yaml"


def collect(paths: Iterable[str], settings: CheckSettings, *, stdin: bytes | None = None,
            stdin_name: str | None = None) -> tuple[list[Source], list[FileError],
                                                    dict[str, frozenset[str]]]:
    """Read every input; unreadable ones become errors, the rest are returned."""
    sources: list[Source] = []
    errors: list[FileError] = []
    contexts: dict[str, frozenset[str]] = {}
    seen: set[str] = set()
    stdin_names: set[str] = set()

    def add(path: Path, kind: str, display: str) -> None:
        if display in seen:
            return
        seen.add(display)
        try:
            sources.append(read_source(path, kind, display, settings.max_file_size))
        except InputError as exc:
            errors.append(FileError(display, exc.message, exc.hint))

    for raw in paths:
        if raw == STDIN:
            name = stdin_name or "<stdin>"
            data = stdin or b""
            try:
                text_kind = kind_of(posixpath.basename(name)) if stdin_name else None
                source = decode(name, "yaml", data)
                kind = text_kind or guess_stdin_kind(source.text)
                stream = rendered_stream(source.text) if kind == "yaml" else None
                if stream:  # `helm template … | podfit check -`: back to the template files
                    sources += [Source(r.path, "yaml", r.text, r.template_lines) for r in stream]
                else:
                    sources.append(Source(name, kind, source.text))
                stdin_names.add(name)
            except InputError as exc:
                errors.append(FileError(name, exc.message, exc.hint))
            continue
        path = Path(raw)
        if path.is_dir():
            for file_path, kind in walk(path, settings.exclude):
                add(file_path, kind, _display(file_path))
            rendered, skipped = charts_below(path, _display(path), settings.exclude,
                                             settings.helm_values)
            sources += [Source(r.path, "yaml", r.text, r.template_lines) for r in rendered]
            sources += [Source(s.path, SKIPPED, f"{s.reason}; {s.hint}") for s in skipped]
        elif path.is_file():
            add(path, kind_of(path.name, path.parent.name) or "yaml", _display(path))
        else:
            errors.append(FileError(raw, f"{raw}: no such file or directory",
                                    "check the path; use '-' to read standard input"))
    for index, source in enumerate(sources):
        notice = template_notice(source.path, source.text) if source.kind == "yaml" and \
            not source.template_lines else None
        if notice is not None:  # reported as skipped (PF002), not as invalid YAML
            sources[index] = Source(notice.path, SKIPPED, f"{notice.reason}; {notice.hint}")
        # standard input has no folder: its build context is unknown, not the working dir
        if source.kind == "dockerfile" and source.path not in stdin_names:
            folder = Path(source.path).parent
            with contextlib.suppress(OSError):
                contexts[folder.as_posix()] = frozenset(p.name for p in folder.iterdir())
    # the modules images run, read for dev servers (statically: never imported)
    items = [(s.path, s.kind, s.text) for s in sources if s.path not in stdin_names]
    sources += [Source(path, "python-module", text) for path, text in entry_modules(items, seen)]
    return sources, errors, contexts


def _display(path: Path) -> str:
    text = path.as_posix()
    return text[2:] if text.startswith("./") else text


_PARSERS = {
    "dockerfile": parse_dockerfile,
    "gunicorn": parse_gunicorn_config,
    "shell": parse_shell_script,
    "requirements": parse_requirements,
    "pyproject": parse_pyproject,
    "procfile": parse_procfile,
    "dockerignore": parse_dockerignore,
    "python-module": parse_python_module,
    "uwsgi-ini": parse_uwsgi_ini,
}


def build_project(sources: list[Source], settings: CheckSettings,
                  contexts: dict[str, frozenset[str]]) -> tuple[Model, list[FileError]]:
    """Parse every source and link the documents into the run's :class:`Model`."""
    objects: list[KubeObject] = []
    errors: list[FileError] = []
    parsed_by_kind: dict[str, list[Any]] = {kind: [] for kind in _PARSERS}
    dockerignores: dict[str, Any] = {}
    builds: list[Any] = []
    renames: list[Any] = []
    pulled: list[str] = []
    sources.reverse()  # consumed from the end, so in input order: each text goes once parsed
    while sources:
        source = sources.pop()
        if source.kind == SKIPPED:
            continue
        try:  # build evidence (compose, skaffold, kustomize, build lines) links images
            found = evidence_of(source.path, source.text, source.kind)
        except Exception:  # evidence is optional: a parser bug costs the links, not the run
            found = ((), (), ())
        builds += found[0]
        renames += found[1]
        pulled += found[2]
        if source.kind in EVIDENCE_ONLY:
            continue
        try:
            if source.kind == "yaml":
                kube_file = parse_kubernetes(source.path, source.text)
                objects.extend(kube_file.objects)
                errors.extend(kube_file.errors)
                continue
            parsed = _PARSERS[source.kind](source.path, source.text)
        except InputError as exc:
            errors.append(FileError(source.path, exc.message, exc.hint))
            continue
        except Exception as exc:  # a parser bug must cost one file, not the run
            errors.append(FileError(source.path, f"{source.path}: podfit could not parse this "
                                    f"file ({type(exc).__name__}: {exc})",
                                    "please report this; the other files were still checked"))
            continue
        if source.kind == "dockerignore":
            dockerignores[posixpath.dirname(source.path) or "."] = parsed
        else:
            parsed_by_kind[source.kind].append(parsed)
    model = build_model(
        settings, objects=objects, dockerfiles=parsed_by_kind["dockerfile"],
        gunicorn_configs=parsed_by_kind["gunicorn"], scripts=parsed_by_kind["shell"],
        requirements=parsed_by_kind["requirements"], pyprojects=parsed_by_kind["pyproject"],
        procfiles=parsed_by_kind["procfile"], dockerignores=dockerignores,
        context_entries=contexts, evidence=Evidence.of(builds, renames, pulled),
        modules=parsed_by_kind["python-module"],
        uwsgi_configs=[c for c in parsed_by_kind["uwsgi-ini"] if c.section_line])
    return model, errors


def enabled(rule: LoadedRule, settings: CheckSettings, select: tuple[str, ...],
            ignore: tuple[str, ...]) -> bool:
    code, name = rule.rule.code, rule.rule.name.upper()
    wanted = tuple(s.upper() for s in (select or settings.select))
    dropped = tuple(s.upper() for s in (*settings.ignore, *ignore))
    if not rule.rule.default_enabled and not (code in wanted or name in wanted):
        return False
    if wanted and not matches(code, name, wanted):
        return False
    return not matches(code, name, dropped)


def _without_gc(run: Callable[P, R]) -> Callable[P, R]:
    """Run with the cyclic garbage collector paused. The parsed documents hold no cycles and
    live until the run ends, yet every full collection walks all of them: on ten copies of
    the corpus that made 10× the files cost 13× the CPU. Refcounting still frees the rest."""
    @functools.wraps(run)
    def paused(*args: P.args, **kwargs: P.kwargs) -> R:
        collecting = gc.isenabled()
        gc.disable()
        try:
            return run(*args, **kwargs)
        finally:
            if collecting:
                gc.enable()

    return paused


@_without_gc
def run_check(paths: Iterable[str], settings: CheckSettings, *, select: tuple[str, ...] = (),
              ignore: tuple[str, ...] = (), stdin: bytes | None = None,
              stdin_name: str | None = None, observer: Observer | None = None) -> CheckResult:
    sources, errors, contexts = collect(paths, settings, stdin=stdin, stdin_name=stdin_name)
    rendered = {s.path: s.template_lines for s in sources if s.template_lines}
    skipped = [s for s in sources if s.kind == SKIPPED]
    if observer:
        observer(Progress(Stage.STATUS, len(sources), len(sources), "files read"))
    count = len(sources)
    # Comments are read now so that the texts can go once parsed: peak memory stays the
    # parsed documents, not the documents twice.
    suppressions = [s for src in sources for s in comment_suppressions(src.path, src.text)]
    model, parse_errors = build_project(sources, settings, contexts)
    del sources
    errors += parse_errors
    rules = load_rules()
    active = [r for r in rules if r.check is not None and enabled(r, settings, select, ignore)]
    findings: list[Finding] = []
    used_links: dict[str, set[ImageLink]] = {}  # rule code -> the links it looked up
    for done, loaded in enumerate(active, 1):
        assert loaded.check is not None
        try:  # a rule's findings count only when it completes
            with recording() as used_links[loaded.rule.code]:
                findings += [Finding(loaded.rule.code, loaded.rule.name, loaded.rule.severity,
                                     hit.path, hit.line, hit.column, hit.message, hit.fix,
                                     hit.links)
                             for hit in loaded.check(model)]
        except Exception as exc:  # a rule bug must not cost the user the other findings
            errors.append(FileError("<podfit>", f"rule {loaded.rule.code} "
                                    f"({loaded.rule.name}) failed: {type(exc).__name__}: {exc}",
                                    "please report this; other rules still ran"))
        if observer:
            observer(Progress(Stage.DONE, done, len(active), loaded.rule.code))
    findings = _per_file_ignores(findings, settings)
    suppressions += [s for obj in model.objects for s in annotation_suppressions(obj)]
    findings = _suppress(findings, suppressions)
    unused = next(r for r in rules if r.rule.code == UNUSED_SUPPRESSION)
    if enabled(unused, settings, select, ignore):
        findings += _unused(suppressions, unused, {r.rule.code for r in active})
    findings = _template_lines(attach_links(findings, _link_spans(model), used_links),
                               rendered)
    findings = _knock_on(findings, errors)
    notice = next(r for r in rules if r.rule.code == UNRENDERED_INPUT)
    if enabled(notice, settings, select, ignore):
        findings += [Finding(notice.rule.code, notice.rule.name, notice.rule.severity, s.path,
                             1, 1, s.text) for s in skipped]
    findings.sort(key=lambda f: f.sort_key)
    return CheckResult(tuple(findings), tuple(errors), count)


#: Rules that report something missing from the inputs: a file that failed to parse may hold
#: it, so they stay silent near one (a knock-on of the parse error, not a finding).
KNOCK_ON = frozenset({"PF406", "PF601", "PF603", "PF605", "PF607"})


def _knock_on(findings: list[Finding], errors: list[FileError]) -> list[Finding]:
    folders = {posixpath.dirname(e.path) for e in errors if e.path != "<podfit>"}
    if not folders:
        return findings

    def near(path: str) -> bool:
        here = posixpath.dirname(path)
        return any(not f or here == f or here.startswith(f + "/") or f.startswith(here + "/")
                   or not here for f in folders)

    return [f for f in findings if f.code not in KNOCK_ON or not near(f.path)]


def _link_spans(model: Model) -> dict[str, list[tuple[int, int, int, ImageLink | None]]]:
    objects = ((w.obj.path, w.obj.line, w.obj.end_line, w.line_of(),
                str(w.container.get("image")), w.obj.path)
               for w in model.app_containers if w.container.get("image"))
    return container_links(objects, model.files.link_for_image)


def image_links(paths: Iterable[str], settings: CheckSettings, *, stdin: bytes | None = None,
                stdin_name: str | None = None) -> list[tuple[str, ImageLink]]:
    """Every container's image <-> Dockerfile link (``podfit check --show-links``):
    ``(where the container is, the link)``."""
    sources, _, contexts = collect(paths, settings, stdin=stdin, stdin_name=stdin_name)
    model, _ = build_project(sources, settings, contexts)
    found = []
    for workload in model.app_containers:
        image = workload.container.get("image")
        link = model.files.link_for_image(str(image), workload.obj.path) if image else None
        if link is not None:
            found.append((f"{workload.obj.path}:{workload.line_of('image')} "
                          f"{workload.obj.ref}", link))
    return found


def _template_lines(findings: list[Finding],
                    rendered: dict[str, tuple[int, ...]]) -> list[Finding]:
    """Findings in rendered Helm templates point at the template's lines; their fixes are
    dropped (they would edit rendered text, not the template)."""
    if not rendered:
        return findings
    out = []
    for finding in findings:
        lines = rendered.get(finding.path)
        if not lines:
            out.append(finding)
            continue
        line = lines[finding.line - 1] if 0 < finding.line <= len(lines) else finding.line
        out.append(dataclasses.replace(finding, line=line, fix=None))
    return out


def _per_file_ignores(findings: list[Finding], settings: CheckSettings) -> list[Finding]:
    if not settings.per_file_ignores:
        return findings
    kept = []
    for finding in findings:
        dropped = any(fnmatch.fnmatch(finding.path, pattern) and
                      matches(finding.code, finding.name.upper(), tuple(c.upper() for c in codes))
                      for pattern, codes in settings.per_file_ignores.items())
        if not dropped:
            kept.append(finding)
    return kept


def _suppress(findings: list[Finding], suppressions: list[Suppression]) -> list[Finding]:
    if not suppressions:
        return findings
    by_path: dict[str, list[Suppression]] = {}
    for s in suppressions:
        by_path.setdefault(s.path, []).append(s)
    kept = []
    for finding in findings:
        hit = False
        for s in by_path.get(finding.path, ()):
            if s.first <= finding.line <= s.last and matches(finding.code, finding.name.upper(),
                                                              s.codes):
                s.used.update(c for c in s.codes if finding.code.startswith(c) or
                              finding.name.upper() == c)
                hit = True
        if not hit:
            kept.append(finding)
    return kept


def _unused(suppressions: list[Suppression], rule: LoadedRule,
            active_codes: set[str]) -> list[Finding]:
    from podfit.check.registry import rule_index

    known = rule_index()
    out = []
    for s in suppressions:
        for code in s.codes:
            if code in s.used:
                continue
            resolved = known.get(code)
            if resolved is None:
                message = f"unknown rule '{code}' in suppression"
            elif resolved not in active_codes:
                continue  # the rule did not run, so we cannot tell whether it is needed
            else:
                message = f"unused suppression of {code}: nothing to suppress here"
            out.append(Finding(rule.rule.code, rule.rule.name, rule.rule.severity, s.path,
                               s.line, 1, message))
    return out
