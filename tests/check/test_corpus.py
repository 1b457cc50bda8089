"""``podfit check`` over the real-world corpus (971 manifests, 16 of them invalid YAML as
published): exactly those 16 input errors, no rule crash, and it finishes quickly."""

from __future__ import annotations

import time

import pytest

from podfit.check.engine import run_check
from podfit.check.settings import CheckSettings
from tests.check.cli_support import podfit
from tests.conftest import CORPUS

pytestmark = pytest.mark.skipif(
    not CORPUS.is_dir(), reason=f"the manifest corpus is not at {CORPUS} (shared/ beside the "
    "repository); CI lays it there")

#: Generous: the whole corpus takes about a second; a rule gone quadratic takes minutes.
SECONDS = 60


def test_corpus_errors_are_exactly_the_invalid_files() -> None:
    start = time.perf_counter()
    result = run_check([str(CORPUS)], CheckSettings())
    elapsed = time.perf_counter() - start
    crashes = [e for e in result.errors if e.path == "<podfit>"]
    assert not crashes, "\n".join(e.message for e in crashes)
    assert result.files_checked == 971  # every file is read; 16 then fail to parse
    assert len(result.errors) == 16, "\n".join(f"{e.path}: {e.message}" for e in result.errors)
    assert len({e.path for e in result.errors}) == 16
    assert all("invalid YAML" in e.message for e in result.errors)
    assert all(e.line for e in result.errors)
    assert result.findings, "real manifests always have something to say"
    assert elapsed < SECONDS, f"check over the corpus took {elapsed:.1f} s"


def test_corpus_through_the_cli_in_bounds() -> None:
    run = podfit("check", "--format", "json", "--output", "/dev/null", str(CORPUS),
                 timeout=300)
    assert run.code == 2  # the 16 invalid files
    assert run.stderr.count("error: ") == 16, run.stderr
    assert "<podfit>" not in run.stderr
    assert "Traceback" not in run.stderr
    assert run.peak_rss_mb < 200, run.peak_rss_mb
