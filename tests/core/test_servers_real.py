"""A rewrapped command really runs: gunicorn behind ``sh -c`` and ``tini`` gets profile's
workers and bind (real gunicorn, real shell, real tini)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from podfit.profile.server import free_port, parse_command

GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
APP = "def app(environ, start_response):\n    start_response('200 OK', [])\n    return [b'ok']\n"


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _master(root: int) -> int:
    """The gunicorn arbiter: the process itself (sh -c exec) or tini's child."""
    program = Path(f"/proc/{root}/cmdline").read_bytes().split(b"\0")[0]
    if os.path.basename(program) != b"tini":
        return root
    [child] = _children(root)
    return child


@pytest.mark.parametrize("wrapper", ["sh", "tini"])
def test_rewrapped_gunicorn_serves_with_profiles_settings(tmp_path: Path, wrapper: str) -> None:
    if wrapper == "tini" and shutil.which("tini") is None and not os.environ.get(
            "PODFIT_REQUIRE_REAL"):
        pytest.skip("tini is not installed")
    (tmp_path / "app.py").write_text(APP)
    user = (["sh", "-c", f"cd {tmp_path} && exec {GUNICORN} --bind 0.0.0.0:80 -w 9 app:app"]
            if wrapper == "sh" else ["tini", "--", GUNICORN, "--chdir", str(tmp_path), "app:app"])
    port = free_port()
    argv, env = parse_command(user).build(2, 1, "127.0.0.1", port)
    assert argv[0] == user[0]
    proc = subprocess.Popen(argv, env={**os.environ, **env}, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120  # generous: a busy machine starts slowly
        body = b""
        while time.monotonic() < deadline and not body:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as answer:
                    body = answer.read()
            except OSError:
                time.sleep(0.2)
        assert body == b"ok"
        master = _master(proc.pid)
        while time.monotonic() < deadline and len(_children(master)) != 2:
            time.sleep(0.2)
        assert len(_children(master)) == 2  # --workers 2 reached gunicorn, not the user's 9
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
