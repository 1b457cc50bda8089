"""## What it does
Reports `prometheus.io/*` scrape annotations written on a workload's own `metadata` (a
Deployment, StatefulSet, DaemonSet, Job…) when its pod template does not carry them.

## Why is this bad?
The usual annotation-driven Prometheus config discovers *pods* (and Services), and pods get
the annotations of the pod template, never those of the Deployment around it. The
annotations look right in review and do nothing: the app is not scraped.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations:
    prometheus.io/scrape: "true"
    prometheus.io/port: "8000"
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: registry.example/web:1.4.2
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: "8000"
    spec:
      containers:
        - name: web
          image: registry.example/web:1.4.2
```

## Fix safety
Safe: copies the annotations into the pod template (the ones on the workload stay; they are
harmless). The rollout this triggers restarts the pods with the new annotations.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from podfit.check.model import Model
from podfit.check.model.workloads import describe, key_line, object_path
from podfit.check.rule import Category, Hit, Rule
from podfit.core.kube import dig, pod_spec_path
from podfit.core.models import Fix, FixSafety, Severity, YamlEdit

RULE = Rule(code="PF610", name="scrape-annotation-not-on-pods", severity=Severity.WARNING,
            summary="prometheus.io annotations on a workload, not on its pod template.",
            category=Category.SERVICES, fix=FixSafety.SAFE)

PREFIX = "prometheus.io/"


def check(model: Model) -> Iterator[Hit]:
    for obj in model.objects:
        path = pod_spec_path(obj.data)
        if not path or obj.kind == "Pod":
            continue
        notes = {str(k): v for k, v in obj.annotations.items() if str(k).startswith(PREFIX)}
        if not notes:
            continue
        template_meta = dig(obj.data, *path[:-1], "metadata")
        template = dig(template_meta, "annotations")
        template = template if isinstance(template, Mapping) else {}
        missing = {k: v for k, v in notes.items() if k not in template}
        if not missing:
            continue
        meta_path = (*object_path(obj), *path[:-1], "metadata")
        if isinstance(template_meta, Mapping) and isinstance(dig(template_meta, "annotations"),
                                                             Mapping):
            edits = tuple(YamlEdit(obj.document, (*meta_path, "annotations"), k, v, "setdefault")
                          for k, v in missing.items())
        elif isinstance(template_meta, Mapping):
            edits = (YamlEdit(obj.document, meta_path, "annotations", missing, "setdefault"),)
        else:
            edits = ()
        fix = Fix("copy the annotations into the pod template", FixSafety.SAFE,
                  yaml_edits=edits) if edits else None
        line = key_line(obj.annotations, next(iter(missing)), obj.line)
        yield Hit(obj.path, line,
                  f"{describe(obj)} has {', '.join(sorted(missing))} on its own metadata, "
                  "where Prometheus never sees them; put them in the pod template's "
                  f"metadata.annotations ({'.'.join(path[:-1])}.metadata)", fix=fix)
