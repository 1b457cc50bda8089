"""## What it does
Reports a shell-form `CMD` or `ENTRYPOINT` (`CMD gunicorn app:app`) in a Dockerfile's final
stage that starts a Python server or worker, or any Python program: `python app.py`, a `.py`
script, or a Python console script (`ENTRYPOINT locust -f locustfile.py`, `celery`, `rq`…).

Needs: the command itself names Python (no base-image guess: `CMD ./run` is not reported).

## Why is this bad?
Shell form runs `/bin/sh -c "gunicorn app:app"`. On Debian-based images (`python:*-slim`)
`/bin/sh` is dash, which stays as the parent process: the shell is PID 1, and PID 1 does not
get default signal actions, so the SIGTERM Kubernetes sends on every rollout is dropped. The
server never drains; the kubelet SIGKILLs the pod after the grace period and every in-flight
request is cut off (apache/superset#41172).

## Example
```dockerfile
FROM python:3.12-slim
CMD gunicorn --bind 0.0.0.0:8000 app:app
```

## Use instead
```dockerfile
FROM python:3.12-slim
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]
```

## Fix safety
Safe when the command has no shell syntax (no `$VAR`, quotes aside no pipes, `&&`, `;`,
redirections, globs or subshells): it is rewritten to the exec form with the same arguments.
Otherwise unsafe: `exec` is put in front of the command, which keeps the shell's expansion
but makes the server PID 1 — check that nothing was meant to run after it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.documents import DockerfileDoc, Instruction
from podfit.check.model.programs import PYTHON_PROGRAMS
from podfit.check.model.servers import PYTHON_KINDS, display
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Fix, FixSafety, Severity, TextEdit
from podfit.core.servers import parse_server_command

RULE = Rule(code="PF540", name="shell-form-server-command", severity=Severity.ERROR,
            summary="Shell-form CMD/ENTRYPOINT runs a Python server: SIGTERM never reaches it.",
            category=Category.SHUTDOWN_PROBES, fix=FixSafety.SAFE)

#: Anything a shell would interpret beyond splitting words and removing quotes.
_SHELL_SYNTAX = re.compile(r"[$`|&;<>*?(){}\[\]~#\\]|\n")
_SIMPLE_TAIL = re.compile(r"[|&;<>`]|\$\(")


def _fix(doc: DockerfileDoc, ins: Instruction) -> Fix | None:
    lines = doc.text.splitlines()
    if ins.heredocs or ins.end_line > len(lines):
        return None
    keyword = ins.original.split(None, 1)[0]
    end = (ins.end_line, len(lines[ins.end_line - 1]))
    if not _SHELL_SYNTAX.search(ins.text):
        replacement = f"{keyword} {json.dumps(ins.argv())}"
        return Fix("rewrite in exec form", FixSafety.SAFE,
                   text_edits=(TextEdit(ins.line, 0, *end, replacement),))
    if not _SIMPLE_TAIL.search(ins.text) and ins.line == ins.end_line:
        return Fix("prefix the command with exec", FixSafety.UNSAFE,
                   text_edits=(TextEdit(ins.line, 0, *end, f"{keyword} exec {ins.text}"),))
    return None


def _program(argv: tuple[str, ...] | list[str]) -> str | None:
    """The Python program a command runs (a console script or a ``.py`` script), if any."""
    head = argv[0].rsplit("/", 1)[-1] if argv else ""
    if head in PYTHON_PROGRAMS or head.endswith(".py"):
        return head
    return None


def check(model: Model) -> Iterator[Hit]:
    for doc in model.dockerfiles:
        stage = doc.final_stage
        if stage is None:
            continue
        shells = [i.argv() for i in stage.instructions if i.cmd == "SHELL"]
        bash = bool(shells and shells[-1] and shells[-1][0].rsplit("/", 1)[-1] == "bash")
        for cmd in ("ENTRYPOINT", "CMD"):
            found = [i for i in stage.instructions if i.cmd == cmd]
            ins = found[-1] if found else None
            if ins is None or ins.json or not ins.args:
                continue
            server = parse_server_command(["/bin/sh", "-c", ins.text])
            if server is None or server.exec_in_shell:
                continue
            what = display(server.kind) if server.kind in PYTHON_KINDS else _program(server.argv)
            if what is None:
                continue
            if bash and not _SIMPLE_TAIL.search(ins.text):
                continue  # bash replaces itself with a lone simple command
            yield Hit(doc.path, ins.line,
                      f"shell-form {cmd} runs {what} under `/bin/sh -c`: the shell "
                      "is PID 1 and drops SIGTERM, so the server is SIGKILLed after the grace "
                      f"period with requests in flight; use the exec form {cmd} [\"…\"] (or "
                      "`exec` before the server)",
                      fix=_fix(doc, ins))
