"""The CLI layer: typed commands, and data (``--diff``) on standard output."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

CLI = Path(__file__).parents[2] / "src" / "podfit" / "cli"


def test_cli_has_no_untyped_options_and_no_type_ignores() -> None:
    for path in sorted(CLI.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert "type: ignore" not in text, path.name
        assert not re.search(r"\*\*\w+: Any", text), path.name


def test_check_diff_is_data_on_stdout(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text('FROM python:3.12-slim\nCMD ["python", "app.py"]\n')
    done = subprocess.run([sys.executable, "-m", "podfit", "check", "--select", "PF701",
                           "--diff", "."], cwd=tmp_path, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 1  # the findings are still there
    assert done.stdout.startswith("--- a/Dockerfile\n+++ b/Dockerfile\n")
    assert "+ENV PYTHONUNBUFFERED=1" in done.stdout
    assert "PF701" not in done.stdout  # the report goes to stderr beside the patch
    assert "PF701" in done.stderr
