"""## What it does
Reports a container with a liveness probe, no `startupProbe`, and a liveness budget shorter
than a Python app may need to boot. The budget is `initialDelaySeconds + failureThreshold ×
periodSeconds` (the formula of the Kubernetes docs); the threshold is **30 s**, or **60 s**
when the app is known to start slowly: Django (`runserver`, a `*.wsgi`/`*.asgi` app,
`DJANGO_SETTINGS_MODULE`) or heavy libraries in the project's requirements (PyTorch,
TensorFlow, transformers, spaCy…). A `startupProbe` suppresses the report. Jobs and CronJobs
are skipped.

Needs: a container known to run Python (a Python server or command, an image linked to a
Dockerfile on a Python base, or a Python image); other and unknown runtimes are skipped.

## Why is this bad?
Liveness starts probing as soon as `initialDelaySeconds` has passed. A Python app importing a
large framework, loading a model or warming caches — slower still on a throttled CPU or a busy
node — may not answer yet, and the kubelet kills it before it ever served: a `CrashLoopBackOff`
that only happens in production, under load, or after a dependency upgrade made imports slower.
A startup probe holds liveness back until the app has started once, without weakening liveness
afterwards.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: app
          image: registry.example/web:1.4.2
          command: [gunicorn, mysite.wsgi:application]
          livenessProbe:
            httpGet: {path: /livez, port: 8000}
            timeoutSeconds: 3
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: app
          image: registry.example/web:1.4.2
          command: [gunicorn, mysite.wsgi:application]
          startupProbe:
            httpGet: {path: /livez, port: 8000}
            periodSeconds: 5
            failureThreshold: 24
          livenessProbe:
            httpGet: {path: /livez, port: 8000}
            timeoutSeconds: 3
```

## Fix safety
Unsafe: adds a `startupProbe` with the liveness check, `periodSeconds: 5` and a budget of twice
the threshold (60 s, or 120 s for slow starters). It only delays liveness until the first
success, but the budget is a guess: measure your worst boot and keep it about 1.5× that.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

from podfit.check.model import Model
from podfit.check.model.probes import probe, probe_timing
from podfit.check.model.programs import heavy_start, runs_python
from podfit.check.model.workloads import Workload, doc_path, plain, serving_workloads
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Fix, FixSafety, Severity, YamlEdit

RULE = Rule(code="PF513", name="startup-probe-missing", severity=Severity.WARNING,
            summary="Liveness may kill a slow-starting Python app: no startup probe.",
            category=Category.SHUTDOWN_PROBES, fix=FixSafety.UNSAFE)

#: Seconds a Python app may need to boot, and for slow starters (Django, ML libraries).
THRESHOLD, SLOW_THRESHOLD = 30, 60
_HANDLERS = ("httpGet", "tcpSocket", "grpc", "exec")


def check(model: Model) -> Iterator[Hit]:
    for workload in serving_workloads(model):
        liveness = probe(workload.container, "liveness")
        if liveness is None or probe(workload.container, "startup") is not None:
            continue
        timing = probe_timing(liveness)
        budget = timing["initialDelaySeconds"] + timing["failureThreshold"] * timing[
            "periodSeconds"]
        if budget >= SLOW_THRESHOLD or runs_python(model, workload) is not True:
            continue
        slow = heavy_start(model, workload)
        threshold = SLOW_THRESHOLD if slow else THRESHOLD
        if budget >= threshold:
            continue
        app = f"a {slow} app" if slow else "a Python app"
        yield Hit(workload.obj.path, workload.line_of("livenessProbe"),
                  f"{workload.obj.ref} container '{workload.ref.name}' has no startupProbe and "
                  f"its livenessProbe gives it {budget} s to start (initialDelaySeconds "
                  f"{timing['initialDelaySeconds']} + {timing['failureThreshold']} × "
                  f"{timing['periodSeconds']} s), less than the {threshold} s {app} may need "
                  "on a busy node: it is killed before it ever serves; add a startupProbe with "
                  "the same check and a budget of about 1.5× the worst boot",
                  fix=_fix(workload, liveness, threshold))


def _fix(workload: Workload, liveness: Mapping[str, Any], threshold: int) -> Fix | None:
    handler = {k: plain(v) for k, v in liveness.items() if k in _HANDLERS}
    if not handler:
        return None
    startup = {**handler, "periodSeconds": 5, "failureThreshold": math.ceil(2 * threshold / 5)}
    return Fix(f"add a startupProbe with a {2 * threshold} s budget", FixSafety.UNSAFE,
               yaml_edits=(YamlEdit(workload.obj.document,
                                    doc_path(workload.obj, *workload.ref.path),
                                    "startupProbe", startup),))
