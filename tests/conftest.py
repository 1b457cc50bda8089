"""Shared test setup: on CI (``PODFIT_REQUIRE_REAL=1``) a skipped test is a failure.

Tests that need root, cgroups, a container engine or an external binary skip with a clear
reason on a developer's machine; CI installs everything, so a skip there hides a gap.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REQUIRE_REAL = os.environ.get("PODFIT_REQUIRE_REAL") == "1"
ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "k8s"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_REAL and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped under PODFIT_REQUIRE_REAL=1: {reason}"
