"""## What it does
Reports a Python container with a CPU limit whose app uses a numeric stack (numpy, scipy,
pandas, scikit-learn, torch, tensorflow… in a requirements file or pyproject.toml next to its
Dockerfile, or installed by the Dockerfile) while none of `OMP_NUM_THREADS`,
`OPENBLAS_NUM_THREADS` or `MKL_NUM_THREADS` is set.

## Why is this bad?
OpenBLAS, MKL and OpenMP size their thread pools from the node's CPU count, not the pod's CFS
quota. Every worker process starts one thread per node CPU: 4 gunicorn workers on a 64-core
node run 256 BLAS threads in a 1-CPU pod, which then spends its quota switching between them —
matrix code gets 10–100× slower and results vary in the last bits (OpenBLAS#6059).

## Example
```yaml
# file: k8s.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: model}
spec:
  selector: {matchLabels: {app: model}}
  template:
    metadata: {labels: {app: model}}
    spec:
      containers:
        - name: model
          image: registry.example/model:1.0
          command: ["gunicorn", "--workers", "2", "app:app"]
          resources:
            limits: {cpu: "1", memory: 2Gi}
# file: Dockerfile
FROM python:3.12-slim
RUN pip install --no-cache-dir gunicorn==23.0.0 numpy==2.1.0
```

## Use instead
```yaml
# file: k8s.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: model}
spec:
  selector: {matchLabels: {app: model}}
  template:
    metadata: {labels: {app: model}}
    spec:
      containers:
        - name: model
          image: registry.example/model:1.0
          command: ["gunicorn", "--workers", "2", "app:app"]
          env:
            - {name: OMP_NUM_THREADS, value: "1"}
          resources:
            limits: {cpu: "1", memory: 2Gi}
# file: Dockerfile
FROM python:3.12-slim
RUN pip install --no-cache-dir gunicorn==23.0.0 numpy==2.1.0
```

## Fix safety
Unsafe: adds `OMP_NUM_THREADS` to the container's env, sized so that workers × threads fit
the CPU limit. A numeric job tuned for more threads may want a different value.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.processes import app_packages, process_count, servers
from podfit.check.model.servers import PYTHON_KINDS
from podfit.check.model.workloads import container_name, resources, yaml_path
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Fix, FixSafety, Severity, YamlEdit
from podfit.core.units import format_cpu

RULE = Rule(code="PF306", name="blas-threads-unset", severity=Severity.WARNING,
            summary="Numeric Python stack under a CPU limit without OMP_NUM_THREADS.",
            category=Category.CONCURRENCY, fix=FixSafety.UNSAFE)

NUMERIC = frozenset({"numpy", "scipy", "pandas", "scikit-learn", "sklearn", "torch",
                     "tensorflow", "tensorflow-cpu", "xgboost", "lightgbm", "numexpr", "jax"})
_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def check(model: Model) -> Iterator[Hit]:
    for workload, server in servers(model):
        if server.command.kind not in PYTHON_KINDS or "envFrom" in workload.container:
            continue
        limit = resources(workload.container).cpu_limit
        if limit is None or limit <= 0 or any(server.env.get(v) for v in _VARIABLES):
            continue
        packages = sorted(app_packages(model, server.dockerfile, NUMERIC))
        if not packages:
            continue
        counted = process_count(server)
        workers = counted[0] if counted else 1
        each = f"each of its {workers} worker processes" if counted and workers > 1 else \
            "every worker process" if counted is None else "its process"
        threads = max(1, math.ceil(limit) // max(1, workers))
        fix = Fix(f"set OMP_NUM_THREADS={threads} in the container's env", FixSafety.UNSAFE,
                  yaml_edits=(YamlEdit(workload.obj.document, yaml_path(workload), "env",
                                       {"name": "OMP_NUM_THREADS", "value": str(threads)},
                                       "append"),))
        yield Hit(workload.obj.path, workload.line_of("env", "image"),
                  f"container '{container_name(workload)}' uses {', '.join(packages)} under a "
                  f"CPU limit of {format_cpu(limit)} without OMP_NUM_THREADS/"
                  f"OPENBLAS_NUM_THREADS/MKL_NUM_THREADS: {each} starts one BLAS thread per "
                  f"node CPU; set OMP_NUM_THREADS={threads}", fix=fix)
