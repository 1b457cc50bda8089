"""## What it does
Reports a liveness probe with the default 1-second timeout (`timeoutSeconds` missing or 1) in a
long-running workload.

Needs: a container known to run Python (a Python server or command, an image linked to a
Dockerfile on a Python base, or a Python image); Go, Node, Java, .NET or nginx containers and
containers of unknown runtime are skipped — their probe is not answered by busy Python
workers.

## Why is this bad?
A Python server answers the probe with the same workers that serve traffic. Under load the
probe queues behind real requests — a sync gunicorn worker busy with a slow query, an event
loop blocked by CPU-bound code holding the GIL — and takes more than a second to answer. Three
such timeouts and the kubelet kills a pod that was healthy, only busy; its load moves to the
other pods, which then time out too (gunicorn#2467, Sefaria#3661: 17–20 liveness kills per pod
and no OOM kill; Vexa#802 fixed with `timeoutSeconds: 5`).

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
          command: [gunicorn, --bind, "0.0.0.0:8000", app:app]
          livenessProbe:
            httpGet: {path: /livez, port: 8000}
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
          command: [gunicorn, --bind, "0.0.0.0:8000", app:app]
          livenessProbe:
            httpGet: {path: /livez, port: 8000}
            timeoutSeconds: 3
```

## Fix safety
Sets `timeoutSeconds: 3` (what `podfit init` writes). Safe when `timeoutSeconds` was not
written: the 1 s default was never a choice, and a longer timeout can only prevent restarts,
never cause one. Unsafe when `timeoutSeconds: 1` is written explicitly, as that may be
deliberate; a hung pod is then detected a few seconds later.
"""

from __future__ import annotations

from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.probes import probe
from podfit.check.model.programs import runs_python
from podfit.check.model.workloads import doc_path, key_line, serving_workloads
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Fix, FixSafety, Severity, YamlEdit

RULE = Rule(code="PF512", name="liveness-timeout-too-short", severity=Severity.WARNING,
            summary="Liveness probe with the 1 s default timeout: busy Python pods get killed.",
            category=Category.SHUTDOWN_PROBES, fix=FixSafety.SAFE)

TIMEOUT = 3


def check(model: Model) -> Iterator[Hit]:
    for workload in serving_workloads(model):
        liveness = probe(workload.container, "liveness")
        if liveness is None:
            continue
        written = liveness.get("timeoutSeconds")
        if written is not None and (not isinstance(written, int) or written > 1):
            continue
        if runs_python(model, workload) is not True:
            continue
        safety = FixSafety.SAFE if written is None else FixSafety.UNSAFE
        fix = Fix(f"set the liveness timeoutSeconds to {TIMEOUT}", safety, yaml_edits=(
            YamlEdit(workload.obj.document, doc_path(workload.obj, *workload.ref.path,
                                                     "livenessProbe"),
                     "timeoutSeconds", TIMEOUT, "set"),))
        shown = "the default timeoutSeconds of 1" if written is None else (
            f"timeoutSeconds: {written}")
        line = key_line(liveness, "timeoutSeconds", workload.line_of("livenessProbe"))
        yield Hit(workload.obj.path, line,
                  f"{workload.obj.ref} container '{workload.ref.name}' has a livenessProbe with "
                  f"{shown}: under load the probe waits behind real requests in the same Python "
                  "workers, and after a few slow answers the kubelet kills a pod that was only "
                  f"busy; set timeoutSeconds to {TIMEOUT}-5", fix=fix)
