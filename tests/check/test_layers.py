"""``podfit check`` stays light: its command path imports none of the heavy or unrelated
modules (the round-trip YAML library is for ``--fix`` only, schemas for the opt-in schema
rule, rich/psutil/the other verbs for other commands). Startup time is most of a small run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).parent / "snapshots" / "project"

PROBE = """
import json, sys
from podfit.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.__stderr__)
"""

NEVER = ("rich", "ruamel", "jsonschema", "kubernetes_validate", "psutil", "hypothesis",
         "podfit.generate", "podfit.profile", "podfit.runtime", "matplotlib", "jinja2",
         "prometheus_client", "requests", "httpx")


def imported(*args: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=PROJECT, check=False,
                          capture_output=True, text=True)
    last = done.stderr.strip().splitlines()[-1]
    return set(json.loads(last))


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in NEVER or m.startswith(NEVER))


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_check_imports_nothing_heavy(fmt: str) -> None:
    assert _heavy(imported("check", "--format", fmt, ".")) == []


def test_fix_imports_the_fixer_only_when_fixing(tmp_path: Path) -> None:
    assert "podfit.check.fixer" not in imported("check", "--select", "PF701", "k8s/worker.yaml")
    fixing = imported("check", "--diff", "--select", "PF701", "k8s/worker.yaml")
    assert "podfit.check.fixer" in fixing
    assert not any(m.startswith("ruamel") for m in fixing)  # fixes are text edits now


def test_rules_listing_imports_nothing_heavy() -> None:
    assert _heavy(imported("rules")) == []
