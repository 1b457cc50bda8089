"""Entry-point evidence other than an app object: scripts that serve, gRPC servers, an
existing Dockerfile's CMD, Procfile commands of any server. Read with ``ast`` and regexes."""

from __future__ import annotations

import ast
import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

#: Calls that show a script serves: it binds a port or starts a server loop.
SERVE_CALLS = frozenset({
    "add_insecure_port", "add_secure_port", "serve_forever", "run_app", "bind",
    "wait_for_termination", "listen", "run_simple", "make_server",
})
#: Programs a Procfile or CMD may run, and the server kind podfit knows them as.
PROGRAMS = {
    "gunicorn": "gunicorn", "uvicorn": "uvicorn", "uwsgi": "uwsgi", "daphne": "daphne",
    "hypercorn": "hypercorn", "celery": "celery", "python": "python", "python3": "python",
    "waitress-serve": "waitress", "granian": "granian",
}


@dataclass(frozen=True)
class Script:
    """A module with an ``if __name__ == "__main__"`` block."""

    path: str
    serves: bool
    evidence: str
    grpc: bool
    grpc_health: bool
    port: int | None
    handles_sigterm: bool


def _calls(tree: ast.AST) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute):
                names.append(func.attr)
            elif isinstance(func, ast.Name):
                names.append(func.id)
    return names


def _port(text: str) -> int | None:
    """A listening port written in the source: ``add_insecure_port("[::]:50051")``,
    ``os.environ.get("PORT", "8080")``, ``port=8000``."""
    for pattern in (r"add_(?:in)?secure_port\(\s*f?['\"][^'\"]*:(\d{2,5})['\"]",
                    r"environ\.get\(\s*['\"](?:GRPC_)?PORT['\"]\s*,\s*['\"]?(\d{2,5})",
                    r"getenv\(\s*['\"](?:GRPC_)?PORT['\"]\s*,\s*['\"]?(\d{2,5})",
                    r"\bport\s*=\s*(\d{2,5})\b", r"['\"]0\.0\.0\.0['\"]\s*,\s*(\d{2,5})"):
        m = re.search(pattern, text)
        if m:
            return int(m.group(1))
    return None


def scan_script(path: Path, rel: str, tree: ast.Module) -> Script:
    text = path.read_text(encoding="utf-8", errors="replace")
    calls = _calls(tree)
    serving = [c for c in calls if c in SERVE_CALLS]
    grpc = "grpc.server(" in text or "grpc.aio.server(" in text
    starts = grpc and ("start" in calls or "wait_for_termination" in calls)
    evidence = (f"calls {serving[0]}()" if serving else "starts a gRPC server" if starts
                else "")
    return Script(
        path=rel, serves=bool(serving or starts), evidence=evidence, grpc=grpc,
        grpc_health="add_HealthServicer_to_server" in text or "grpc_health" in text,
        port=_port(text),
        handles_sigterm=bool(re.search(r"signal\.signal\(\s*(?:signal\.)?SIGTERM", text)
                             or "add_signal_handler" in text),
    )


def dockerfile_cmd(root: Path) -> tuple[str, ...] | None:
    """The last CMD (or ENTRYPOINT + CMD) of a Dockerfile podfit did not write."""
    path = root / "Dockerfile"
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8", errors="replace")
    if text.startswith("# Written by `podfit init`"):
        return None
    text = re.sub(r"\\\n", " ", text)
    found: dict[str, tuple[str, ...]] = {}
    for line in text.splitlines():
        m = re.match(r"\s*(CMD|ENTRYPOINT)\s+(.+)$", line, re.I)
        if not m:
            continue
        raw = m.group(2).strip()
        try:
            words = tuple(json.loads(raw)) if raw.startswith("[") else tuple(shlex.split(raw))
        except (ValueError, TypeError):
            continue
        found[m.group(1).upper()] = tuple(str(w) for w in words)
    command = found.get("ENTRYPOINT", ()) + found.get("CMD", ())
    return command or None


def program(command: tuple[str, ...]) -> str | None:
    """The server a command runs (``python -m gunicorn`` counts as gunicorn)."""
    words = list(command)
    while words and (words[0] in ("exec", "env") or "=" in words[0]):
        words.pop(0)
    if not words:
        return None
    first = words[0].rsplit("/", 1)[-1]
    if first in ("python", "python3") and len(words) > 2 and words[1] == "-m":
        return PROGRAMS.get(words[2], "python")
    return PROGRAMS.get(first)
