"""## What it does
Reports an object whose `apiVersion` is no longer served by the Kubernetes version the
manifests target (`kube-version` in `[tool.podfit]`, `--kube-version`; default: the newest
podfit knows), following the official deprecated API migration guide
(https://kubernetes.io/docs/reference/using-api/deprecation-guide/): for example
`extensions/v1beta1` Deployments (removed in 1.16) and Ingresses (1.22), `apps/v1beta1` and
`apps/v1beta2` (1.16), `batch/v1beta1` CronJobs, `policy/v1beta1` PodDisruptionBudgets and
PodSecurityPolicies, `autoscaling/v2beta1` (1.25), `autoscaling/v2beta2` (1.26),
`storage.k8s.io/v1beta1` CSIStorageCapacity (1.27) and the `flowcontrol.apiserver.k8s.io`
betas (1.26, 1.29, 1.32).

## Why is this bad?
The API server rejects the object (`no matches for kind "Deployment" in version
"extensions/v1beta1"`), so the deploy fails — typically on the day the cluster is upgraded,
from a chart nobody has touched in years.

## Example
```yaml
apiVersion: batch/v1beta1
kind: CronJob
metadata:
  name: cleanup
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: cleanup
              image: registry.example/web:1.4.2
              command: ["python", "-m", "app.cleanup"]
```

## Use instead
```yaml
apiVersion: batch/v1
kind: CronJob
metadata:
  name: cleanup
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: cleanup
              image: registry.example/web:1.4.2
              command: ["python", "-m", "app.cleanup"]
```

## Fix safety
Unsafe: where the replacement has the same schema (CronJob `batch/v1`, `autoscaling/v2` from
`v2beta2`, RBAC, `storage.k8s.io/v1`…) the fix rewrites `apiVersion`; defaults can still
differ, so review it. Where fields change (Ingress, Deployments from `extensions`, PDBs) the
message says what changes and there is no fix.
"""

from __future__ import annotations

from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.apiversions import api_change
from podfit.check.model.workloads import describe, key_line, object_path
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Fix, FixSafety, Severity, YamlEdit

RULE = Rule(code="PF901", name="removed-api-version", severity=Severity.ERROR,
            summary="apiVersion is no longer served by the target Kubernetes version.",
            category=Category.API, fix=FixSafety.UNSAFE)


def check(model: Model) -> Iterator[Hit]:
    minor = model.settings.kube_minor
    for obj in model.objects:
        change = api_change(obj.api_version, obj.kind)
        if change is None or change.removed is None or minor < change.removed:
            continue
        best = change.replacement_for(minor)
        fix = None
        if best is not None and not change.changes and best[1] <= minor:
            fix = Fix(f"set apiVersion: {best[0]}", FixSafety.UNSAFE, yaml_edits=(
                YamlEdit(obj.document, object_path(obj), "apiVersion", best[0], "set"),))
        yield Hit(obj.path, key_line(obj.data, "apiVersion", obj.line),
                  f"{describe(obj)} uses the {obj.api_version} {obj.kind} API, which "
                  f"Kubernetes 1.{change.removed} stopped serving (target: "
                  f"{model.settings.kube_version}); "
                  f"{change.advice(minor)}", fix=fix)
