"""## What it does
Reports gunicorn or uvicorn with several workers whose pods Prometheus scrapes (a
`prometheus.io/scrape` annotation on the pods or their Service, a ServiceMonitor or PodMonitor
selecting them, or `prometheus_client` or an exporter in the requirements) when
`PROMETHEUS_MULTIPROC_DIR` is unset or not on a writable `emptyDir` mount (or `/dev/shm`).

## Why is this bad?
Each worker then keeps its own registry and a scrape is answered by whichever worker accepts
it: counters jump back and forth and rates are garbage. Multiprocess mode writes per-process
files to the directory, which must exist, be writable and start empty when the container
restarts: an `emptyDir` gives exactly that.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
      annotations: {prometheus.io/scrape: "true", prometheus.io/port: "8000"}
    spec:
      containers:
        - name: web
          image: registry.example/web:1.0
          command: ["gunicorn", "--workers", "4", "app:app"]
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
      annotations: {prometheus.io/scrape: "true", prometheus.io/port: "8000"}
    spec:
      containers:
        - name: web
          image: registry.example/web:1.0
          command: ["gunicorn", "--workers", "4", "app:app"]
          env:
            - {name: PROMETHEUS_MULTIPROC_DIR, value: /run/prometheus}
          volumeMounts:
            - {name: prometheus-multiproc, mountPath: /run/prometheus}
      volumes:
        - {name: prometheus-multiproc, emptyDir: {}}
```

## Fix safety
Unsafe (when the variable is unset): adds `PROMETHEUS_MULTIPROC_DIR=/run/prometheus` and an
`emptyDir` mounted there. The app must also serve metrics through a `MultiProcessCollector`
(and gunicorn should call `mark_process_dead` in `child_exit`), which podfit cannot add.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from podfit.check.model import Model
from podfit.check.model.processes import app_packages, env_origin, process_count, servers
from podfit.check.model.servers import (
    WEB_KINDS,
    EffectiveServer,
    display,
    reads_node_cpus,
    uses_podfit_runtime,
)
from podfit.check.model.workloads import (
    Workload,
    container_name,
    on_scratch_volume,
    pod_spec_yaml_path,
    yaml_path,
)
from podfit.check.rule import Category, Hit, Rule
from podfit.core.kube import dig, pod_template_labels, selector_matches
from podfit.core.models import Fix, FixSafety, Severity, YamlEdit

RULE = Rule(code="PF702", name="prometheus-multiproc-dir", severity=Severity.WARNING,
            summary="Multi-worker server scraped by Prometheus without a multiprocess dir.",
            category=Category.MONITORING, fix=FixSafety.UNSAFE)

EXPORTERS = frozenset({"prometheus-client", "prometheus-flask-exporter", "django-prometheus",
                       "prometheus-fastapi-instrumentator", "starlette-exporter"})
DIR = "/run/prometheus"
VOLUME = "prometheus-multiproc"


def _workers(server: EffectiveServer) -> int | None:
    if reads_node_cpus(server.options.get("workers")):
        return None  # many, on any real node
    counted = process_count(server)
    return counted[0] if counted else 1


def _scraped(model: Model, workload: Workload, server: EffectiveServer,
             monitors: list[tuple[str, Mapping[str, object]]]) -> str | None:
    obj = workload.obj
    labels = pod_template_labels(obj.data)
    annotations = dig(obj.data, *(("metadata",) if obj.kind == "Pod" else (
        "spec", "template", "metadata")), "annotations")
    if isinstance(annotations, Mapping) and str(annotations.get(
            "prometheus.io/scrape", "")).lower() == "true":
        return "the pods' prometheus.io/scrape annotation"
    services = model.links.services_for(obj)
    for service in services:
        if str(service.annotations.get("prometheus.io/scrape", "")).lower() == "true":
            return f"prometheus.io/scrape on Service/{service.name}"
    for kind, selector in monitors:
        if kind == "PodMonitor" and selector_matches(selector, labels):
            return "a PodMonitor"
        if kind == "ServiceMonitor" and any(selector_matches(selector, dig(
                s.data, "metadata", "labels") or {}) for s in services):
            return "a ServiceMonitor"
    found = app_packages(model, server.dockerfile, EXPORTERS)
    return f"{sorted(found)[0]} in the app's requirements" if found else None


def check(model: Model) -> Iterator[Hit]:
    monitors: dict[tuple[str, ...], list[tuple[str, Mapping[str, object]]]] = {}
    for m in model.objects_of("ServiceMonitor", "PodMonitor"):  # by unit: see model.scope
        monitors.setdefault(model.scope.unit(m.path), []).append(
            (m.kind, dig(m.data, "spec", "selector")))
    for workload, server in servers(model):
        if server.command.kind not in WEB_KINDS or uses_podfit_runtime(server):
            continue
        workers = _workers(server)
        if workers is not None and workers <= 1:
            continue
        path = server.env.get("PROMETHEUS_MULTIPROC_DIR") or server.env.get(
            "prometheus_multiproc_dir")
        if path and on_scratch_volume(workload, path):
            continue
        why = _scraped(model, workload, server,
                       monitors.get(model.scope.unit(workload.obj.path), []))
        if why is None:
            continue
        name = container_name(workload)
        many = f"{workers} workers" if workers else "workers from the node's CPU count"
        head = (f"container '{name}' runs {display(server.command.kind)} with {many}, scraped "
                f"through {why}")
        if path:
            origin = env_origin(server, workload, "PROMETHEUS_MULTIPROC_DIR")
            yield Hit(origin.path if origin else workload.obj.path,
                      origin.line if origin else workload.line_of("env", "image"),
                      f"{head}, but PROMETHEUS_MULTIPROC_DIR={path} is not on a writable "
                      "emptyDir mount: the directory must exist, be writable and start empty; "
                      "mount an emptyDir there")
            continue
        document = workload.obj.document
        fix = Fix(f"set PROMETHEUS_MULTIPROC_DIR={DIR} on an emptyDir", FixSafety.UNSAFE,
                  yaml_edits=(
                      YamlEdit(document, yaml_path(workload), "env",
                               {"name": "PROMETHEUS_MULTIPROC_DIR", "value": DIR}, "append"),
                      YamlEdit(document, yaml_path(workload), "volumeMounts",
                               {"name": VOLUME, "mountPath": DIR}, "append"),
                      YamlEdit(document, pod_spec_yaml_path(workload.obj), "volumes",
                               {"name": VOLUME, "emptyDir": {}}, "append")))
        yield Hit(workload.obj.path, workload.line_of("env", "image"),
                  f"{head}, without PROMETHEUS_MULTIPROC_DIR: each worker keeps its own "
                  "registry and a scrape reads whichever worker answers, so counters jump back "
                  "and forth; set PROMETHEUS_MULTIPROC_DIR to a directory on an emptyDir and "
                  "serve metrics through MultiProcessCollector", fix=fix)
