"""Which process the image runs, from evidence in this order: ``--app``/``--server``, a
Procfile ``web:`` line, an existing Dockerfile's CMD, an app object, a script that serves,
a Celery app, any other script. Each choice records its reason for ``--explain``."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from podfit.core.errors import InputError, UsageError
from podfit.generate.budget import GRACEFUL_SECONDS
from podfit.generate.entry import Script, program
from podfit.generate.servercmd import SERVES, written_command

if TYPE_CHECKING:
    from podfit.generate.detect import AppFacts
    from podfit.generate.options import InitOptions

#: What ``--server`` accepts.
CHOICES = ("gunicorn", "uvicorn", "celery", "python", "uwsgi", "hypercorn", "daphne")
#: Servers whose command podfit writes itself (with podfit.runtime's config or runner).
OWN_SERVERS = ("gunicorn", "uvicorn")


@dataclass(frozen=True)
class Process:
    server: str
    """gunicorn, uvicorn, celery, python, uwsgi, daphne, hypercorn, …"""
    framework: str
    app_ref: str | None
    command: tuple[str, ...] | None
    """The command as found (Procfile, Dockerfile, script); ``None`` when podfit writes it."""
    protocol: str
    """``http``, ``grpc`` or ``none`` (no port: a worker or batch process)."""
    port: int | None
    probe: str
    """``runtime`` (podfit.runtime's HTTP endpoints), ``grpc``, ``tcp`` or ``none``."""
    reason: str
    warnings: tuple[str, ...] = ()


def _script_for(facts: AppFacts, target: str) -> Script | None:
    rel = target if target.endswith(".py") else target.replace(".", "/") + ".py"
    return next((s for s in facts.source.scripts if s.path == rel), None)


def _port_in(command: tuple[str, ...], root: Path) -> int | None:
    """A port named on the command line or in the uwsgi ini it loads."""
    text = " ".join(command)
    for pattern in (r"(?:--bind|-b)[ =](?:[\w.\[\]:]*:)?(\d{2,5})\b",
                    r"--port[ =](\d{2,5})\b", r"(?:^|\s)-p[ =]?(\d{2,5})\b",
                    r"--(?:http|http-socket|socket)[ =][\w.]*:(\d{2,5})\b",
                    r"--insecure-bind[ =][\w.]*:(\d{2,5})\b", r"\b0\.0\.0\.0:(\d{2,5})\b"):
        m = re.search(pattern, text)
        if m:
            return int(m.group(1))
    for word in command:
        if word.endswith(".ini") and (root / word).is_file():
            ini = (root / word).read_text(errors="replace")
            m = re.search(r"^\s*(?:http|http-socket)\s*=\s*[\w.]*:(\d{2,5})", ini, re.M)
            if m:
                return int(m.group(1))
    return None


def _prepare(command: tuple[str, ...], server: str, port: int,
             root: Path) -> tuple[tuple[str, ...], str]:
    """``$PORT`` made concrete (exec-form CMDs expand no variables); uwsgi told to exit on
    SIGTERM (uwsgi 2.0 reloads on it: the pod would never stop) and given a request timeout
    (without ``harakiri`` a stuck request holds its process forever), unless its ini has them."""
    words = tuple(re.sub(r"\$\{?PORT\}?", str(port), w) for w in command)
    notes = []
    if server == "uwsgi":
        ini = "\n".join(_read(root / w) for w in words if w.endswith(".ini"))
        if "--die-on-term" not in words and not re.search(r"^\s*die-on-term", ini, re.M):
            words = (*words, "--die-on-term")
            notes.append("--die-on-term added (uwsgi 2.0 reloads on SIGTERM instead of exiting)")
        if "--harakiri" not in words and not re.search(r"^\s*harakiri", ini, re.M):
            words = (*words, "--harakiri", "30")
            notes.append("--harakiri 30 added (a stuck request would hold its process forever; "
                         "gunicorn's timeout is 30 s too)")
    return words, "".join(f"; {n}" for n in notes)


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def _from_command(facts: AppFacts, command: tuple[str, ...], source: str,
                  opts: InitOptions) -> Process | None:
    server = program(command)
    if server is None or server == "celery":
        return None
    if server in OWN_SERVERS:
        return None  # handled by the app-object path: podfit writes the server config
    script = None
    if server == "python":
        target = next((w for w in command[1:] if not w.startswith("-")), "")
        script = _script_for(facts, target)
    grpc = bool(script and script.grpc)
    port = opts.port or _port_in(command, facts.root) or (script.port if script else None) \
        or (50051 if grpc else 8000)
    words, note = _prepare(command, server, port, facts.root)
    probe = "grpc" if grpc and script and script.grpc_health else "tcp"
    warnings: tuple[str, ...] = ()
    if script is not None and not script.handles_sigterm:
        warnings = (f"{script.path} installs no SIGTERM handler: Python exits 143 on SIGTERM "
                    "without a graceful stop",)
    framework = "grpc" if grpc else "django" if facts.source.django else server
    return Process(server, framework, None, words, "grpc" if grpc else "http",
                   port, probe, f"{source} runs {shlex.join(command)}{note}", warnings)


def decide_process(facts: AppFacts, opts: InitOptions) -> tuple[Process, str | None]:
    """The web (or only) process, and the Celery app for a worker Deployment, if any."""
    src = facts.source
    if opts.server is not None and opts.server not in CHOICES:
        raise UsageError(f"unknown server {opts.server!r}",
                         f"use one of: {', '.join(CHOICES)} (other servers: put the command "
                         "in a Procfile `web:` line, podfit runs it as written)")
    worker_ref = opts.worker_app or (src.worker.ref if src.worker else None)
    web = src.web
    if opts.server == "celery":
        if not worker_ref:
            raise UsageError("--server celery but no Celery app found",
                             "pass --worker-app module:attr")
        return Process("celery", "celery", None, None, "none", None, "none",
                       "set with --server celery: a worker Deployment, no Service"), worker_ref
    if opts.server == "python" or (opts.app and not opts.server and ":" not in opts.app):
        target = opts.app or (src.script[1] if src.script and len(src.script) > 1 else "")
        if not target:
            raise UsageError("--server python needs a script", "pass --app module_or_file.py")
        command = ("python", target) if target.endswith(".py") else ("python", "-m", target)
        found = _from_command(facts, command, "--app/--server", opts)
        if found is not None:
            return found, worker_ref
    if opts.server in (None, "gunicorn", "uvicorn") and not opts.app:
        for name, command_text in (("Procfile web", src.procfile.get("web")),):
            if command_text:
                found = _from_command(facts, tuple(shlex.split(command_text)), name, opts)
                if found is not None:
                    return found, worker_ref
        if src.dockerfile_cmd and web is None:
            found = _from_command(facts, src.dockerfile_cmd, "the existing Dockerfile's CMD",
                                  opts)
            if found is not None:
                return found, worker_ref
    app_ref = opts.app or (web.ref if web else None)
    if app_ref:
        kind = web.kind if web else ("asgi" if opts.server == "uvicorn" else "wsgi")
        server = opts.server or ("uvicorn" if kind == "asgi" else "gunicorn")
        framework = web.framework if web else kind
        reason = "set with --app" if opts.app else web.reason if web else ""
        if server in SERVES:
            port = opts.port or 8000
            argv, what = written_command(server, app_ref, kind, port, GRACEFUL_SECONDS)
            return Process(server, framework, app_ref, argv, "http", port, "tcp",
                           f"set with --server {server}: {what}"), worker_ref
        return Process(server, framework, app_ref, None, "http", opts.port or 8000, "runtime",
                       reason), worker_ref
    serving = [s for s in src.scripts if s.serves]
    if serving:
        found = _from_command(facts, ("python", serving[0].path), f"{serving[0].path} "
                              f"({serving[0].evidence})", opts)
        if found is not None:
            extra = tuple(f"{s.path} also serves: pass --app to choose" for s in serving[1:])
            return Process(found.server, found.framework, None, found.command, found.protocol,
                           found.port, found.probe, found.reason,
                           found.warnings + extra), worker_ref
    if worker_ref:
        return Process("celery", "celery", None, None, "none", None, "none",
                       "only a Celery app was found: a worker Deployment, no Service"), worker_ref
    if src.script:
        return Process("python", "script", None, src.script, "none", None, "none",
                       f"no server framework: run the script ({src.script_reason})"), None
    raise InputError(f"no web app, Celery app or script found in {facts.root}",
                     "pass --app module:attr (or add a Procfile); podfit never imports "
                     "your code to find it")


def explain(process: Process, decide: Any) -> None:
    decide("server", process.server, process.reason or "from the framework")
    for warning in process.warnings:
        decide("warning", "entrypoint", warning)
