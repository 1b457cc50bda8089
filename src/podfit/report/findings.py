"""Renderers of ``check`` results: text, JSON, SARIF 2.1.0 and GitHub workflow annotations.

Each renderer is a function ``CheckResult -> str`` so the CLI picks one by name.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from podfit import __version__
from podfit.check.rule import LoadedRule
from podfit.core.models import CheckResult, Finding, ImageLink, Severity
from podfit.report.jsontext import Each, dumps_indented

JSON_VERSION = 1


def _fix_json(finding: Finding) -> dict[str, object] | None:
    if finding.fix is None:
        return None
    return {"description": finding.fix.description, "safety": str(finding.fix.safety)}


def _finding_json(f: Finding) -> dict[str, object]:
    data: dict[str, object] = {
        "code": f.code, "name": f.name, "severity": str(f.severity), "path": f.path,
        "line": f.line, "column": f.column, "message": f.message, "fix": _fix_json(f)}
    links = _links_of(f)
    if links:  # only on findings that rest on an image <-> Dockerfile link
        data["links"] = [_link_json(link) for link in links]
    return data


def _link_json(link: ImageLink) -> dict[str, str]:
    return link.as_json()


def render_json(result: CheckResult, rules: Sequence[LoadedRule] = ()) -> str:
    del rules
    payload = {
        "version": JSON_VERSION,
        "podfit": __version__,
        "files_checked": result.files_checked,
        "findings": Each(result.findings, _finding_json),  # one dict at a time
        "errors": [{"path": e.path, "line": e.line, "message": e.message, "hint": e.hint}
                   for e in result.errors],
    }
    return dumps_indented(payload, "\n")  # the bytes of json.dumps(indent=2), faster


def _files(count: int) -> str:
    return f"{count} file{'s' if count != 1 else ''}"


def _summary(result: CheckResult) -> str:
    counts = {s: sum(1 for f in result.findings if f.severity == s) for s in Severity}
    summary = (f"{len(result.findings)} finding{'s' if len(result.findings) != 1 else ''} "
               f"({counts[Severity.ERROR]} error, {counts[Severity.WARNING]} warning, "
               f"{counts[Severity.INFO]} info) in {_files(result.files_checked)}")
    if result.errors:
        summary += f"; {len(result.errors)} input error{'s' if len(result.errors) != 1 else ''}"
    if result.findings or result.errors:
        return summary
    return f"All clear: no findings in {_files(result.files_checked)}"


def _fixable(finding: Finding) -> bool:
    return finding.fix is not None and str(finding.fix.safety) == "safe"


def render_text(result: CheckResult, rules: Sequence[LoadedRule] = ()) -> str:
    """One line per finding with code, severity, message and rule name (the long form that
    ``--format text`` printed before ``--output-format``; kept for scripts that parse it)."""
    del rules
    lines = [f"{f.path}:{f.line}:{f.column}: {f.code} [{f.severity}] {f.message} ({f.name})"
             + (" [fixable]" if _fixable(f) else "")
             for f in result.findings]
    lines.append(_summary(result))
    return "\n".join(lines) + "\n"


#: Longest line ``--output-format concise`` prints (the message is cut with an ellipsis).
CONCISE_WIDTH = 120


def render_concise(result: CheckResult, rules: Sequence[LoadedRule] = ()) -> str:
    """``path:line:col: CODE message``, one short line each, like ruff's concise format."""
    del rules
    lines = []
    for f in result.findings:
        head = f"{f.path}:{f.line}:{f.column}: {f.code}{' [*]' if _fixable(f) else ''} "
        room = max(20, CONCISE_WIDTH - len(head))
        message = " ".join(f.message.split())
        if len(message) > room:
            message = message[:room - 1].rstrip() + "…"
        lines.append(head + message)
    lines.append(_summary(result))
    return "\n".join(lines) + "\n"


#: Width the full format wraps messages and help at.
FULL_WIDTH = 100


class _Sources:
    """Reads the files findings point at, once each, for the source snippet."""

    def __init__(self) -> None:
        self._lines: dict[str, list[str] | None] = {}

    def line(self, path: str, number: int) -> str | None:
        if path not in self._lines:
            try:
                with open(path, encoding="utf-8-sig", errors="replace") as handle:
                    self._lines[path] = handle.read().splitlines()
            except OSError:  # standard input, a rendered chart, a file gone since the run
                self._lines[path] = None
        lines = self._lines[path]
        if lines is None or not 0 < number <= len(lines):
            return None
        return lines[number - 1]


def _help(finding: Finding, docs: dict[str, str]) -> str:
    if finding.fix is not None:
        how = " (safe fix: run with --fix)" if _fixable(finding) else ""
        return finding.fix.description + how
    use_instead = _use_instead(docs.get(finding.code, ""))
    if use_instead:
        return f"{use_instead} (podfit explain {finding.code})"
    return f"run 'podfit explain {finding.code}' for why and what to use instead"


def _use_instead(doc: str) -> str:
    """The first prose sentence of a rule doc's "Use instead" section, if it has one."""
    _, found, rest = doc.partition("## Use instead")
    if not found:
        return ""
    prose: list[str] = []
    code: list[str] = []
    in_code = False
    for raw in rest.splitlines():
        line = raw.strip()
        if line.startswith("```"):
            if in_code or prose:
                break
            in_code = True
        elif in_code:
            code.append(line)
        elif line.startswith("## ") or (not line and prose):
            break
        elif line:
            prose.append(line)
    text = " ".join(prose)
    if not text and len(code) == 1:  # a one-line example says it best
        text = f"use instead: {code[0]}"
    return text if 0 < len(text) <= 200 else ""


def _wrap(text: str, first: str, rest: str) -> list[str]:
    import textwrap

    return textwrap.wrap(text, FULL_WIDTH, initial_indent=first, subsequent_indent=rest,
                         break_on_hyphens=False, break_long_words=False) or [first.rstrip()]


def _links_of(finding: Finding) -> tuple[ImageLink, ...]:
    return finding.links


def _link_text(link: ImageLink) -> str:
    return link.describe()


def render_full(result: CheckResult, rules: Sequence[LoadedRule] = ()) -> str:
    """Each finding with its source line, a caret under the column and a ``help:`` line
    (ruff's full format); messages wrap at :data:`FULL_WIDTH` columns."""
    docs = {r.rule.code: r.doc for r in rules}
    sources = _Sources()
    out: list[str] = []
    for f in result.findings:
        head = f"{f.path}:{f.line}:{f.column}: {f.code}{' [*]' if _fixable(f) else ''} " \
               f"[{f.severity}] "
        out += _wrap(f"{f.message} ({f.name})", head, "    ")
        text = sources.line(f.path, f.line)
        if text is not None:
            gutter = " " * len(str(f.line))
            shown = text.expandtabs(4).rstrip()
            if len(shown) > FULL_WIDTH:
                shown = shown[:FULL_WIDTH - 1] + "…"
            column = max(1, min(f.column, len(shown) or 1))
            if column == 1:  # "somewhere on this line": point at its first word
                column = len(shown) - len(shown.lstrip()) + 1
            width = len(shown[column - 1:].split(" ", 1)[0]) or 1
            out += [f"{gutter} |", f"{f.line} | {shown}",
                    f"{gutter} | {' ' * (column - 1)}{'^' * min(width, 40)}", f"{gutter} |"]
        out += [f"  = link: {_link_text(link)}" for link in _links_of(f)]
        out += _wrap(_help(f, docs), "  = help: ", "          ")
        out.append("")
    out.append(_summary(result))
    return "\n".join(out) + "\n"


_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render_sarif(result: CheckResult, rules: Sequence[LoadedRule] = ()) -> str:
    used = {f.code for f in result.findings}
    rule_list = [r for r in rules if r.rule.code in used]
    index = {r.rule.code: i for i, r in enumerate(rule_list)}
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "podfit", "version": __version__, "semanticVersion": __version__,
                "informationUri": "https://pypi.org/project/podfit/",
                "rules": [{
                    "id": r.rule.code, "name": r.rule.name,
                    "shortDescription": {"text": r.rule.summary},
                    "fullDescription": {"text": r.rule.summary},
                    "help": {"text": r.doc, "markdown": r.doc},
                    "defaultConfiguration": {"level": _SARIF_LEVEL[r.rule.severity]},
                    "properties": {"tags": [r.rule.category.value]},
                } for r in rule_list],
            }},
            "results": [{
                "ruleId": f.code,
                **({"ruleIndex": index[f.code]} if f.code in index else {}),
                "level": _SARIF_LEVEL[f.severity],
                "message": {"text": f.message},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": f.path.lstrip("/")},
                    "region": {"startLine": max(1, f.line), "startColumn": max(1, f.column)},
                }}],
            } for f in result.findings],
            "invocations": [{
                "executionSuccessful": not result.errors,
                "toolExecutionNotifications": [{
                    "level": "error", "message": {"text": e.message},
                    "locations": [{"physicalLocation": {
                        "artifactLocation": {"uri": e.path.lstrip("/")},
                        **({"region": {"startLine": e.line}} if e.line else {}),
                    }}],
                } for e in result.errors],
            }],
        }],
    }
    return json.dumps(sarif, indent=2) + "\n"


def _escape(text: str, *, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


_GITHUB_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def render_github(result: CheckResult, rules: Sequence[LoadedRule] = ()) -> str:
    del rules
    lines = [f"::{_GITHUB_LEVEL[f.severity]} file={_escape(f.path, prop=True)},line={f.line},"
             f"col={f.column},title={_escape(f'{f.code} {f.name}', prop=True)}::"
             f"{_escape(f.message)}" for f in result.findings]
    lines += [f"::error file={_escape(e.path, prop=True)}"
              f"{f',line={e.line}' if e.line else ''},title=podfit input error::"
              f"{_escape(e.message)}" for e in result.errors]
    return "\n".join(lines) + ("\n" if lines else "")


RENDERERS: dict[str, Callable[[CheckResult, Sequence[LoadedRule]], str]] = {
    "text": render_text, "json": render_json, "sarif": render_sarif, "github": render_github,
}
#: ``--output-format`` of ``--format text``: ruff's two styles.
TEXT_STYLES: dict[str, Callable[[CheckResult, Sequence[LoadedRule]], str]] = {
    "full": render_full, "concise": render_concise,
}
