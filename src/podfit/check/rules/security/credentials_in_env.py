"""## What it does
Reports a container `env` entry whose literal `value` is a credential: a URL with a
password (`amqp://guest:guest@rabbitmq:5672/`, `postgres://app:s3cret@db/app`), or a variable
named like a secret (`DB_PASSWORD`, `SECRET_KEY`, `API_TOKEN`…) with a value that is not a
placeholder (`changeme`, `${VAR}`, `$(VAR)`, `<password>`).
Values from `valueFrom` (a Secret or ConfigMap reference) are what this rule asks for.

Needs: the container's env. Not Python-specific.

## Why is this bad?
Plain env values live in the manifest, in every clone of the repository and in the object
anyone with read access to the namespace can `kubectl get`. Default credentials
(`guest:guest`) are also the first ones an attacker tries.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: worker}
spec:
  template:
    spec:
      containers:
        - name: worker
          image: ghcr.io/acme/worker:1.0
          env:
            - {name: CELERY_BROKER_URL, value: "amqp://guest:guest@rabbitmq:5672//"}
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: worker}
spec:
  template:
    spec:
      containers:
        - name: worker
          image: ghcr.io/acme/worker:1.0
          env:
            - name: CELERY_BROKER_URL
              valueFrom: {secretKeyRef: {name: broker, key: url}}
```

## Fix safety
No automatic fix: the Secret has to be created first.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from podfit.check.model import Model
from podfit.check.model.workloads import container_name
from podfit.check.rule import Category, Hit, Rule
from podfit.core.credentials import is_placeholder, names_secret, url_password
from podfit.core.models import Severity

RULE = Rule(code="PF814", name="credentials-in-env", severity=Severity.ERROR,
            summary="A credential is written as a plain env value in a manifest.",
            category=Category.SECURITY)


def check(model: Model) -> Iterator[Hit]:
    for workload in model.workloads(include_init=True):
        env = workload.container.get("env")
        if not isinstance(env, list):
            continue
        for index, item in enumerate(env):
            if not isinstance(item, Mapping) or "value" not in item or item["value"] is None:
                continue
            name, value = str(item.get("name", "")), str(item["value"])
            if url_password(value) is not None:
                what = "a URL with a password"
            elif names_secret(name) and not is_placeholder(value, name) and not _plain(value):
                what = "a secret"
            else:
                continue
            line = int(env.item_lines[index]) if hasattr(env, "item_lines") else \
                workload.line_of("env")
            yield Hit(workload.obj.path, line,
                      f"env {name} of container '{container_name(workload)}' "
                      f"({workload.obj.ref}) is {what} in plain text; move it to a Secret "
                      "and use valueFrom.secretKeyRef")


def _plain(value: str) -> bool:
    """Values that cannot be a secret: numbers, booleans, absolute paths."""
    text = value.strip()
    return text.isdigit() or text.lower() in {"true", "false"} or text.startswith("/")
