"""## What it does
Reports a workload whose pods get a Kubernetes API token mounted although nothing says they
use the API: `automountServiceAccountToken` is not `false` on the pod spec, nor on its
ServiceAccount (when that ServiceAccount is in the inputs), and no RoleBinding or
ClusterRoleBinding in the inputs grants that ServiceAccount anything. podfit cannot know
whether the code calls the API, hence the info severity.

## Why is this bad?
Every pod gets a token at `/var/run/secrets/kubernetes.io/serviceaccount/token` by default.
A web app or worker that never talks to the Kubernetes API gains nothing from it, while an
attacker who can read files (path traversal, SSRF to `file://`, a malicious package) gets
credentials for the cluster API — and whatever RBAC the account has, now or later.

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: registry.example/web:1.4.2
```

## Use instead
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  automountServiceAccountToken: false
  containers:
    - name: web
      image: registry.example/web:1.4.2
```

## Fix safety
Unsafe: sets `automountServiceAccountToken: false` on the pod spec; code that uses the API
through the in-cluster config (the `kubernetes` client's `load_incluster_config()`, kopf operators…)
then fails to authenticate.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from podfit.check.model import Model
from podfit.check.model.security import pod_fix
from podfit.check.model.workloads import describe, key_line, pod_spec_line
from podfit.check.rule import Category, Hit, Rule
from podfit.core.kube import pod_spec
from podfit.core.models import FixSafety, Severity

RULE = Rule(code="PF809", name="service-account-token-mounted", severity=Severity.INFO,
            summary="Pods get an API token mounted although they may not use the API.",
            category=Category.SECURITY, fix=FixSafety.UNSAFE)


def _bound(model: Model) -> set[tuple[str, str]]:
    """(namespace, name) of ServiceAccounts that some (Cluster)RoleBinding grants rights."""
    bound = set()
    for binding in model.objects_of("RoleBinding", "ClusterRoleBinding"):
        for subject in binding.data.get("subjects") or []:
            if isinstance(subject, Mapping) and subject.get("kind") == "ServiceAccount":
                bound.add((str(subject.get("namespace") or binding.namespace),
                           str(subject.get("name"))))
    return bound


def check(model: Model) -> Iterator[Hit]:
    accounts = {(a.namespace, a.name): a for a in model.objects_of("ServiceAccount")}
    bound: set[tuple[str, str]] | None = None
    for obj in model.objects:
        spec = pod_spec(obj.data)
        if spec is None or "automountServiceAccountToken" in spec:
            continue  # an explicit true is a decision, not an oversight
        name = str(spec.get("serviceAccountName") or spec.get("serviceAccount") or "default")
        account = accounts.get((obj.namespace, name)) or next(
            (a for (ns, n), a in accounts.items() if n == name and not (ns and obj.namespace)),
            None)
        if account is not None and account.data.get("automountServiceAccountToken") is False:
            continue
        bound = _bound(model) if bound is None else bound
        if (obj.namespace, name) in bound or any(n == name and not (ns and obj.namespace)
                                                 for ns, n in bound):
            continue  # the account has RBAC rights: the pod presumably uses the API
        line = key_line(spec, "serviceAccountName", pod_spec_line(obj))
        yield Hit(obj.path, line,
                  f"{describe(obj)} mounts the '{name}' ServiceAccount's API token; if the app "
                  "does not call the Kubernetes API, set automountServiceAccountToken: false "
                  "on the pod spec (or on the ServiceAccount)",
                  fix=pod_fix(obj, "set automountServiceAccountToken: false",
                              ("automountServiceAccountToken",), False))
