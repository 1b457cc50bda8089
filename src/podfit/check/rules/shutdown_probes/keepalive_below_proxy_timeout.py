"""## What it does
Reports a server behind a proxy — a Service that an Ingress (or Gateway API route) sends
traffic to, or a Service of type LoadBalancer — whose keep-alive timeout is not longer than
the proxy's idle timeout (`proxy-idle-timeout`, 60 s by default, as in ingress-nginx and AWS
ALB): gunicorn's `keepalive` (2 s by default; sync workers without threads close every
connection anyway and are skipped), uvicorn's `--timeout-keep-alive` (5 s), hypercorn's
`keep_alive_timeout` (5 s) or `fastapi run` (5 s, not configurable).

## Why is this bad?
Proxies keep idle upstream connections open and reuse them. When the server closes an idle
connection first, the proxy may send the next request down the socket at the moment it is
being closed: the request fails with a reset and the client sees a sporadic 502 that no log
on the app side explains (lsst-sqre/phalanx#5103, conbench/conbench#1156). The server's
idle timeout must outlast the proxy's.

## Example
```yaml
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules:
    - http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8000}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: registry.example/web:1.0
          command: ["uvicorn", "app:app", "--host", "0.0.0.0", "--port", "8000"]
```

## Use instead
```yaml
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules:
    - http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8000}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: registry.example/web:1.0
          command: ["uvicorn", "app:app", "--host", "0.0.0.0", "--port", "8000",
                    "--timeout-keep-alive", "75"]
```

## Fix safety
No automatic fix. Set the server's keep-alive a few seconds above the proxy's idle timeout
(e.g. 75 s for a 60 s proxy), or set `proxy-idle-timeout` to your proxy's real value.
"""

from __future__ import annotations

from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.processes import option_origin, servers
from podfit.check.model.servers import WEB_KINDS, EffectiveServer, display, uses_podfit_runtime
from podfit.check.model.workloads import container_name
from podfit.check.rule import Category, Hit, Rule
from podfit.core.kube import SERVING_KINDS
from podfit.core.models import Severity

RULE = Rule(code="PF547", name="keepalive-below-proxy-timeout", severity=Severity.WARNING,
            summary="Server keep-alive not longer than the proxy's idle timeout: sporadic 502s.",
            category=Category.SHUTDOWN_PROBES)

_DEFAULT = {"gunicorn": 2, "uvicorn": 5, "hypercorn": 5, "fastapi-run": 5}
_OPTION = {"gunicorn": "--keep-alive", "uvicorn": "--timeout-keep-alive",
           "hypercorn": "--keep-alive", "fastapi-run": "uvicorn's --timeout-keep-alive"}


def keepalive(server: EffectiveServer) -> int | None:
    kind = server.command.kind
    if kind == "gunicorn":
        worker_class = server.options.get("worker_class", "sync").strip("'\"")
        threads = server.int_option("threads")
        single = "threads" not in server.options or (threads is not None and threads <= 1)
        if worker_class in {"sync", "gunicorn.workers.sync.SyncWorker"} and single:
            return None  # sync workers close each connection after one request
    if "keepalive" in server.options:
        return server.int_option("keepalive")
    env = server.env.get("UVICORN_TIMEOUT_KEEP_ALIVE", "")
    if kind == "uvicorn" and env:
        return int(env) if env.isdigit() else None
    if kind == "gunicorn" and uses_podfit_runtime(server):
        return None  # podfit.runtime.gunicorn_conf: 75 s unless PODFIT_KEEPALIVE_SECONDS
    return _DEFAULT.get(kind)


def check(model: Model) -> Iterator[Hit]:
    if not any(model.objects_of("Service")):
        return
    proxy = model.settings.proxy_idle_timeout
    for workload, server in servers(model):
        if workload.obj.kind not in SERVING_KINDS or server.command.kind not in WEB_KINDS:
            continue
        seconds = keepalive(server)
        if seconds is None or seconds > proxy:
            continue
        reason = next((r for s in model.links.services_for(workload.obj)
                       if (r := model.links.proxied(s))), None)
        if reason is None:
            continue
        kind = server.command.kind
        origin = option_origin(server, workload, "keepalive")
        yield Hit(workload.obj.path, workload.line_of("command", "args", "image"),
                  f"container '{container_name(workload)}': {display(kind)} keeps idle connections "
                  f"{seconds} s (from {origin.text}) but {reason}, and the proxy keeps them "
                  f"{proxy} s: it reuses connections the server just closed, giving sporadic "
                  f"502s; set {_OPTION[kind]} above {proxy} (e.g. {proxy + 15})")
