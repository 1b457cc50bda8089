"""## What it does
Reports uvicorn started without `--timeout-graceful-shutdown` (or
`UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN`), and `fastapi run`, which has no such option.

## Why is this bad?
On SIGTERM uvicorn stops accepting and then waits for **every** open connection and
background task to finish, with no limit by default. One WebSocket, server-sent-events stream
or long poll keeps it waiting until the kubelet SIGKILLs it at the end of the grace period:
the lifespan shutdown never runs, and logs and metrics are not flushed
(NousResearch/hermes-agent#88539). A bound lets uvicorn cancel what is left and exit cleanly.

## Example
```dockerfile
FROM python:3.12-slim
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
```

## Use instead
```dockerfile
FROM python:3.12-slim
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000", \
     "--timeout-graceful-shutdown", "20"]
```

## Fix safety
Unsafe: adds `--timeout-graceful-shutdown=N` with N = grace period − preStop sleep − 5 s (25
without a pod to read them from) to a command written as a list (a container's `command` or
`args`, or a one-line exec-form `CMD`). Connections still open after N seconds are closed.
`fastapi run` gets no fix: switch to uvicorn.
"""

from __future__ import annotations

from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.processes import append_argument_fix, commands
from podfit.check.model.workloads import DEFAULT_GRACE, container_name, grace_period, prestop_sleep
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import FixSafety, Severity

RULE = Rule(code="PF546", name="unbounded-graceful-shutdown", severity=Severity.WARNING,
            summary="uvicorn without --timeout-graceful-shutdown waits forever on shutdown.",
            category=Category.SHUTDOWN_PROBES, fix=FixSafety.UNSAFE)


def check(model: Model) -> Iterator[Hit]:
    for server, workload in commands(model):
        kind = server.command.kind
        if kind == "uvicorn":
            if "graceful_timeout" in server.options or server.env.get(
                    "UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN"):
                continue
            advice = "add `--timeout-graceful-shutdown N` with N ≤ grace period − preStop − 5"
        elif kind == "fastapi-run":
            advice = ("`fastapi run` cannot set it: run `uvicorn … --timeout-graceful-shutdown N`"
                      " instead")
        else:
            continue
        fix = None
        if kind == "uvicorn":
            grace = grace_period(workload.obj)[0] if workload else DEFAULT_GRACE
            sleep = prestop_sleep(workload.container) if workload else 0
            seconds = max(1, grace - sleep - 5)
            fix = append_argument_fix(server, workload, f"--timeout-graceful-shutdown={seconds}",
                                      f"add --timeout-graceful-shutdown={seconds}")
        who = f"container '{container_name(workload)}' runs " if workload else ""
        name = "uvicorn" if kind == "uvicorn" else "`fastapi run`"
        yield Hit(server.path, server.line,
                  f"{who}{name} without a graceful-shutdown timeout: on SIGTERM it waits for "
                  "every open connection (WebSockets, streams, keep-alive) with no limit and is "
                  f"SIGKILLed at the end of the grace period; {advice}", fix=fix)
