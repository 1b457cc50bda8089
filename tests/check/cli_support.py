"""Runs the real ``podfit`` CLI in a child process and measures it (wall time, peak RSS)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss_mb: float

    @property
    def errors(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("error: ")]


def podfit(*args: str, cwd: Path | None = None, stdin: bytes | None = None,
           env: dict[str, str] | None = None, timeout: float = 120) -> Run:
    """``python -m podfit ARGS`` with this interpreter; the child's own peak RSS via wait4."""
    environ = {**os.environ, "NO_COLOR": "1", **(env or {})}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.TemporaryFile() as inp:
        inp.write(stdin or b"")
        inp.seek(0)
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "podfit", *args], cwd=cwd, env=environ,
                                stdin=inp, stdout=out, stderr=err)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                raise AssertionError(f"podfit {' '.join(args)} ran over {timeout} s")
            time.sleep(0.01)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(proc.returncode, out.read().decode(), err.read().decode(), seconds,
                   usage.ru_maxrss / 1024)
