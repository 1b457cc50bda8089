"""## What it does
Reports uWSGI started without `die-on-term` (ini `die-on-term = true`, `--die-on-term` or
`UWSGI_DIE_ON_TERM=1`) or SIGTERM remapped to a graceful shutdown (`hook-master-start =
unix_signal:15 gracefully_kill_them_all`, which also lets workers finish their requests;
PF550 then checks the grace period) — in a container's command, or in an image's
`CMD`/`ENTRYPOINT` — and,
when the ini file is among the inputs, a missing `harakiri` (uWSGI's request timeout).

Needs: a command that is `uwsgi` (Python by construction); the ini file when the command
names one (`--ini`, `UWSGI_INI`) — without it among the inputs there is no verdict.

## Why is this bad?
uWSGI 2.0 answers SIGTERM — what Kubernetes sends on every rollout and scale-down — with a
*reload*, not an exit: it restarts its workers and keeps running until the kubelet SIGKILLs it
after the grace period, cutting off in-flight requests. Without `harakiri` a stuck request
holds its process forever (gunicorn's `timeout` defaults to 30 s).

## Example
```dockerfile
FROM python:3.12-slim
CMD ["uwsgi", "--http", ":8080", "--module", "app:app", "--master"]
```

## Use instead
```dockerfile
FROM python:3.12-slim
CMD ["uwsgi", "--http", ":8080", "--module", "app:app", "--master", "--die-on-term"]
```

## Fix safety
No automatic fix.
"""

from __future__ import annotations

from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.documents import exits_on_term
from podfit.check.model.servers import EffectiveServer
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity

RULE = Rule(code="PF549", name="uwsgi-sigterm-reloads", severity=Severity.ERROR,
            summary="uWSGI without die-on-term reloads on SIGTERM instead of exiting.",
            category=Category.SHUTDOWN_PROBES)


def check(model: Model) -> Iterator[Hit]:
    seen: set[tuple[str, int]] = set()
    found: list[EffectiveServer] = [s for s in model.servers.values() if s is not None]
    found += [s for s in model.image_servers.values() if s is not None]
    for server in found:
        if str(server.command.kind) != "uwsgi" or (server.path, server.line) in seen:
            continue
        seen.add((server.path, server.line))
        near = server.dockerfile.path if server.dockerfile is not None else server.path
        config = model.files.uwsgi_settings(server.command.argv, server.env, near)
        if config.get("ini") and not config.path:
            continue  # its ini file is not among the inputs: it may well set die-on-term
        missing = []
        if not exits_on_term(config):
            missing.append("die-on-term")
        if config.path and config.get("harakiri") is None:
            missing.append("harakiri")
        if not missing:
            continue
        path, line = (config.path, config.section_line) if config.path else (server.path,
                                                                             server.line)
        why = []
        if "die-on-term" in missing:
            why.append("without die-on-term uWSGI 2.0 reloads on SIGTERM instead of exiting, "
                       "so every rollout ends in a SIGKILL with requests in flight")
        if "harakiri" in missing:
            why.append("without harakiri a stuck request holds its process forever")
        settings = " and ".join("die-on-term = true (or hook-master-start = unix_signal:15 "
                                "gracefully_kill_them_all, to let requests finish)"
                                if m == "die-on-term" else "harakiri = 30" for m in missing)
        yield Hit(path, line, f"uWSGI: {'; '.join(why)}; set {settings}")
