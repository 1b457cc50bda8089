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
No automatic fix: pick a timeout that fits the pod's grace period (grace period − preStop
sleep − 5 s).
"""

from __future__ import annotations

from collections.abc import Iterator

from podfit.check.facts_servers import commands, container_name
from podfit.check.project import Project
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity

RULE = Rule(code="PF546", name="unbounded-graceful-shutdown", severity=Severity.WARNING,
            summary="uvicorn without --timeout-graceful-shutdown waits forever on shutdown.",
            category=Category.SHUTDOWN_PROBES)


def check(project: Project) -> Iterator[Hit]:
    for server, workload in commands(project):
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
        who = f"container '{container_name(workload)}' runs " if workload else ""
        name = "uvicorn" if kind == "uvicorn" else "`fastapi run`"
        yield Hit(server.path, server.line,
                  f"{who}{name} without a graceful-shutdown timeout: on SIGTERM it waits for "
                  "every open connection (WebSockets, streams, keep-alive) with no limit and is "
                  f"SIGKILLed at the end of the grace period; {advice}")
