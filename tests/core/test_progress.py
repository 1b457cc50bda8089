"""One progress-event type: check and profile emit core's Progress; the CLI renders it."""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any

from podfit.check.engine import run_check
from podfit.check.settings import CheckSettings
from podfit.cli.profile import progress_observer
from podfit.core.progress import Progress, Stage
from podfit.profile import Event


def test_profile_events_are_core_progress() -> None:
    assert typing.get_origin(Event) is Progress


def test_check_reports_core_progress(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM python:latest\n")
    events: list[Progress[None]] = []
    run_check([str(tmp_path)], CheckSettings(), select=("PF101",), observer=events.append)
    assert [(e.kind, e.done, e.total) for e in events] == [(Stage.STATUS, 1, 1),
                                                           (Stage.DONE, 1, 1)]


def test_plain_lines_off_a_terminal(capsys: Any) -> None:
    observe = progress_observer(tty=False)
    observe(Progress(Stage.NOTE, 0, 0, "host is noisy"))
    observe(Progress(Stage.STATUS, 0, 0, "race round 2"))
    observe(Progress(Stage.START, 0, 3, "2w x 4t"))  # a start draws nothing off a terminal
    assert capsys.readouterr().err == "note: host is noisy\nrace: race round 2\n"
