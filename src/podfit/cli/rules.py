"""``podfit rules`` and ``podfit explain``: every rule's metadata and documentation."""

from __future__ import annotations

import json

import click

from podfit.core.errors import UsageError


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def rules(fmt: str) -> None:
    """List every rule with its code, name, severity and summary."""
    from podfit.check.registry import load_rules

    loaded = load_rules()
    if fmt == "json":
        click.echo(json.dumps([{
            "code": r.rule.code, "name": r.rule.name, "severity": str(r.rule.severity),
            "category": r.rule.category.value, "fix": str(r.rule.fix), "summary": r.rule.summary,
            "default_enabled": r.rule.default_enabled, "doc": r.doc} for r in loaded], indent=2))
        return
    for r in loaded:
        note = "" if r.rule.default_enabled else " (off by default: --select it)"
        click.echo(f"{r.rule.code}  {r.rule.name:<38} {r.rule.severity!s:<8} {r.rule.summary}"
                   f"{note}")


@click.command()
@click.argument("rule")
def explain(rule: str) -> None:
    """Print the documentation of RULE (a code such as PF101, or a name)."""
    from podfit.check.registry import find_rule, rule_index
    from podfit.core.config import did_you_mean

    found = find_rule(rule)
    if found is None:
        hint = did_you_mean(rule.upper(), set(rule_index()))
        raise UsageError(f"unknown rule '{rule}'", hint.lower() if hint and "PF" not in hint
                         else hint or "run 'podfit rules' to list them")
    r = found.rule
    click.echo(f"# {r.code} {r.name}\n\nseverity: {r.severity}  category: {r.category.value}  "
               f"fix: {r.fix}\n\n{r.summary}\n\n{found.doc}")
