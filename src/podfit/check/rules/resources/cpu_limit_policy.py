"""## What it does
Checks CPU limits against the `cpu-limit-policy` setting (`none` by default):

- `none`: reports a container that **has** a CPU limit;
- `integer`: reports a CPU limit that is not a whole number of cores (`500m`, `1.5`);
- `required`: reports a container (init containers included) **without** a CPU limit.

App containers and native sidecars are checked; init containers only under `required`. A
`LimitRange` default limit in the namespace counts as a limit.

## Why is this bad?
CPU limits are the most contested setting in Kubernetes, so podfit states both schools and
lets you pick one.

*No limits* (`none`; Robusta's "stop using CPU limits", krr, the arXiv paper "CPU-Limits kill
Performance"): a request already guarantees the container its share of the node under
contention; a limit only adds a CFS quota per 100 ms period. A multi-process or multi-threaded
Python server that is runnable on several cores spends a 500m quota in a few milliseconds and
is then stalled for the rest of the period *even on an idle node* — tail latency, gunicorn
`WORKER TIMEOUT`s from missed heartbeats, and an HPA whose CPU signal is capped at the limit.

*Limits* (`required`; kube-score, Polaris, checkov by default): predictable performance that
does not depend on noisy neighbours, Guaranteed QoS when requests equal limits, cost control,
and namespaces whose `ResourceQuota` tracks `limits.cpu` reject pods without one.

The middle way (`integer`) keeps a limit but in whole cores: a one-process-per-core server then
fits its quota instead of being cut off in every period.

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
          resources:
            requests: {cpu: 250m, memory: 384Mi}
            limits: {cpu: 500m, memory: 384Mi}
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
          resources:
            requests: {cpu: 250m, memory: 384Mi}
            limits: {memory: 384Mi}
```
(under `integer`: `limits: {cpu: 1}`; under `required`: any limit).

## Fix safety
`none`: no automatic fix (removing a key is left to you). `integer`: unsafe — rounds the limit
up to whole cores (and writes the old limit as the request when only a limit was set, so
scheduling is unchanged). `required`: unsafe — adds the limit podfit init would write for the
request. Both change how much CPU the container may burn.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.workloads import Workload, doc_path, key_line, resources, running_containers
from podfit.check.rule import Category, Hit, Rule
from podfit.core.kube import dig
from podfit.core.models import Fix, FixSafety, Severity, YamlEdit
from podfit.core.policy import CpuLimitPolicy, cpu_limit_for
from podfit.core.units import format_cpu

RULE = Rule(code="PF205", name="cpu-limit-policy", severity=Severity.INFO,
            summary="CPU limit against the cpu-limit-policy setting (none, integer or required).",
            category=Category.RESOURCES, fix=FixSafety.UNSAFE)


def check(model: Model) -> Iterator[Hit]:
    policy = model.settings.cpu_limit_policy
    required = policy is CpuLimitPolicy.REQUIRED
    for workload in running_containers(model, all_init=required):
        written = dig(workload.container, "resources", "limits", "cpu")
        res = resources(workload.container)
        where = f"{workload.obj.ref} container '{workload.ref.name}'"
        if policy is CpuLimitPolicy.NONE and written is not None:
            request = dig(workload.container, "resources", "requests", "cpu")
            share = f"its request ({request})" if request is not None else "a request"
            yield Hit(workload.obj.path, _line(workload),
                      f"{where} has a CPU limit of {written}: CFS throttles it for the rest of "
                      "every 100 ms period once the quota is spent, stalling multi-process or "
                      f"multi-threaded Python even on an idle node, while {share} already "
                      "guarantees its share; remove the limit (or choose another "
                      "cpu-limit-policy)")
        elif policy is CpuLimitPolicy.INTEGER and res.cpu_limit is not None and (
                res.cpu_limit != math.floor(res.cpu_limit)):
            whole = max(1, math.ceil(res.cpu_limit))
            yield Hit(workload.obj.path, _line(workload),
                      f"{where} has a fractional CPU limit of {written}: its processes spend the "
                      "quota early in each 100 ms period and are throttled for the rest; use a "
                      f"whole number of cores ({whole})", fix=_round_fix(workload, whole))
        elif required and written is None and not model.links.provides(
                workload.obj, "limits", "cpu"):
            yield Hit(workload.obj.path, workload.line_of("resources"),
                      f"{where} has no CPU limit, which cpu-limit-policy 'required' demands; "
                      "set resources.limits.cpu", fix=_add_fix(workload, res.cpu_request))


def _line(workload: Workload) -> int:
    limits = dig(workload.container, "resources", "limits")
    return key_line(limits, "cpu", workload.line_of("resources"))


def _cores(value: float) -> int | str:
    return int(value) if value == int(value) else format_cpu(value)


def _round_fix(workload: Workload, whole: int) -> Fix:
    resources = doc_path(workload.obj, *workload.ref.path, "resources")
    document = workload.obj.document
    old = dig(workload.container, "resources", "limits", "cpu")
    return Fix(f"round the CPU limit up to {whole}", FixSafety.UNSAFE, yaml_edits=(
        YamlEdit(document, resources, "requests", {"cpu": old}),
        YamlEdit(document, (*resources, "requests"), "cpu", old),
        YamlEdit(document, (*resources, "limits"), "cpu", whole, "set")))


def _add_fix(workload: Workload, request: float | None) -> Fix | None:
    if request is None:
        return None
    limit = cpu_limit_for(request, CpuLimitPolicy.REQUIRED)
    assert limit is not None
    resources = doc_path(workload.obj, *workload.ref.path, "resources")
    document = workload.obj.document
    return Fix(f"set the CPU limit to {format_cpu(limit)}", FixSafety.UNSAFE, yaml_edits=(
        YamlEdit(document, resources, "limits", {"cpu": _cores(limit)}),
        YamlEdit(document, (*resources, "limits"), "cpu", _cores(limit))))
