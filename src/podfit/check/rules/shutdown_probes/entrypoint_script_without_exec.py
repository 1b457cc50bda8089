"""## What it does
Reports a shell script used as a container's entrypoint (named by the Dockerfile's final
`ENTRYPOINT`/`CMD`, or by the `command` of a long-running workload's container, and found
among the inputs) whose last command starts the server or `"$@"` without `exec`.

## Why is this bad?
Without `exec`, the shell stays PID 1 and the server is its child. PID 1 gets no default
signal actions and a shell does not forward signals, so the SIGTERM sent on every rollout or
scale-in never reaches the server: it keeps running until the kubelet SIGKILLs it at the end
of the grace period, dropping in-flight requests (apache/superset#41172).

## Example
```yaml
# file: Dockerfile
FROM python:3.12-slim
COPY entrypoint.sh /entrypoint.sh
ENTRYPOINT ["/entrypoint.sh"]
# file: entrypoint.sh
#!/bin/sh
set -e
python manage.py migrate --noinput
gunicorn --bind 0.0.0.0:8000 app.wsgi
```

## Use instead
```yaml
# file: Dockerfile
FROM python:3.12-slim
COPY entrypoint.sh /entrypoint.sh
ENTRYPOINT ["/entrypoint.sh"]
# file: entrypoint.sh
#!/bin/sh
set -e
python manage.py migrate --noinput
exec gunicorn --bind 0.0.0.0:8000 app.wsgi
```

## Fix safety
Safe when the last command is a simple command (no pipes, `&&`, `;` or `&`) and the script
sets no `trap`: `exec ` is put in front of it. Nothing runs after the last command anyway.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.documents import ShellScript
from podfit.check.model.servers import PYTHON_KINDS, display, short
from podfit.check.model.workloads import container_name
from podfit.check.rule import Category, Hit, Rule
from podfit.core.kube import SERVING_KINDS
from podfit.core.models import Fix, FixSafety, Severity, TextEdit
from podfit.core.servers import parse_server_command, split_shell

RULE = Rule(code="PF541", name="entrypoint-script-without-exec", severity=Severity.ERROR,
            summary="Entrypoint script starts the server without exec: SIGTERM is dropped.",
            category=Category.SHUTDOWN_PROBES, fix=FixSafety.SAFE)

_SKIP = {"sh", "bash", "dash", "ash", "zsh", "tini", "dumb-init", "catatonit", "--"}
_CASE_LABEL = re.compile(r"^[^\s()]+\)\s*")
_EXEC = re.compile(r"(^|[;&|(]\s*|\b(then|else|do)\s+)exec(\s|$)")
_COMPOUND = re.compile(r"[|&;`]|\$\(|^(if|then|else|do|while|for|case)\b")


def _script_of(model: Model, argv: list[str], near: str) -> ShellScript | None:
    for token in argv:
        if token.startswith("-") or posixpath.basename(token) in _SKIP:
            if token == "-c":
                return None  # an inline script, judged by PF542
            continue
        return model.script(token, near)
    return None


def _starts_server(command: str) -> str | None:
    parts = [p.strip() for p in re.split(r"&&|\|\||;", command) if p.strip()]
    last = _CASE_LABEL.sub("", parts[-1]) if parts else ""
    if "$@" in last or "$*" in last:
        return '"$@"'
    parsed = parse_server_command(split_shell(last))
    return display(parsed.kind) if parsed is not None and parsed.kind in PYTHON_KINDS \
        else None


def _fix(script: ShellScript, line: int, command: str) -> Fix | None:
    if _COMPOUND.search(command) or re.search(r"\btrap\b", script.text):
        return None
    raw = script.text.splitlines()[line - 1]
    column = len(raw) - len(raw.lstrip())
    return Fix("prefix the last command with exec", FixSafety.SAFE,
               text_edits=(TextEdit(line, column, line, column, "exec "),))


def check(model: Model) -> Iterator[Hit]:
    users: dict[str, str] = {}
    for doc in model.dockerfiles:
        stage = doc.final_stage
        last = {i.cmd: i for i in (stage.instructions if stage else ())}  # the last of each
        for ins in (last[c] for c in ("ENTRYPOINT", "CMD") if c in last):
            script = _script_of(model, ins.argv(), doc.path)
            if script is not None:
                users.setdefault(script.path, f"{ins.cmd} in {short(doc.path)} line {ins.line}")
    for workload in model.workloads():
        command = workload.container.get("command")
        if isinstance(command, list) and workload.obj.kind in SERVING_KINDS:
            script = _script_of(model, [str(c) for c in command], workload.obj.path)
            if script is not None:
                users.setdefault(script.path, f"the command of container "
                                              f"'{container_name(workload)}'")
    for script in model.scripts:
        if script.path not in users or script.last_command is None:
            continue
        if re.search(r"\btrap\b[^\n]*\b(TERM|SIGTERM|15)\b", script.text):
            continue  # the script handles SIGTERM itself (and usually waits on the child)
        line, command = script.last_command
        command = _CASE_LABEL.sub("", command)
        started = _starts_server(command)
        if _EXEC.search(command) or started is None:
            continue
        yield Hit(script.path, line,
                  f"{short(script.path)} ({users[script.path]}) starts {started} without "
                  "`exec`: the shell stays PID 1 and SIGTERM never reaches the server, which "
                  f"is SIGKILLed after the grace period; write `exec {command}`",
                  fix=_fix(script, line, command))
