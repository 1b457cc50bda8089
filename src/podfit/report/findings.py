"""Renderers of ``check`` results: text, JSON, SARIF 2.1.0 and GitHub workflow annotations.

Each renderer is a function ``CheckResult -> str`` so the CLI picks one by name.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from podfit import __version__
from podfit.check.rule import LoadedRule
from podfit.core.models import CheckResult, Finding, Severity

JSON_VERSION = 1


def _fix_json(finding: Finding) -> dict[str, object] | None:
    if finding.fix is None:
        return None
    return {"description": finding.fix.description, "safety": str(finding.fix.safety)}


def render_json(result: CheckResult, rules: Sequence[LoadedRule] = ()) -> str:
    del rules
    payload = {
        "version": JSON_VERSION,
        "podfit": __version__,
        "files_checked": result.files_checked,
        "findings": [
            {"code": f.code, "name": f.name, "severity": str(f.severity), "path": f.path,
             "line": f.line, "column": f.column, "message": f.message, "fix": _fix_json(f)}
            for f in result.findings
        ],
        "errors": [{"path": e.path, "line": e.line, "message": e.message, "hint": e.hint}
                   for e in result.errors],
    }
    return json.dumps(payload, indent=2) + "\n"


def _files(count: int) -> str:
    return f"{count} file{'s' if count != 1 else ''}"


def render_text(result: CheckResult, rules: Sequence[LoadedRule] = ()) -> str:
    del rules
    lines = [f"{f.path}:{f.line}:{f.column}: {f.code} [{f.severity}] {f.message} ({f.name})"
             + (" [fixable]" if f.fix and str(f.fix.safety) == "safe" else "")
             for f in result.findings]
    counts = {s: sum(1 for f in result.findings if f.severity == s) for s in Severity}
    summary = (f"{len(result.findings)} finding{'s' if len(result.findings) != 1 else ''} "
               f"({counts[Severity.ERROR]} error, {counts[Severity.WARNING]} warning, "
               f"{counts[Severity.INFO]} info) in {_files(result.files_checked)}")
    if result.errors:
        summary += f"; {len(result.errors)} input error{'s' if len(result.errors) != 1 else ''}"
    lines.append(summary if result.findings or result.errors else
                 f"All clear: no findings in {_files(result.files_checked)}")
    return "\n".join(lines) + "\n"


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
