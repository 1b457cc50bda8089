"""## What it does
Reports a container whose environment turns on a Python framework's development mode:
`FLASK_ENV=development`, `FLASK_DEBUG=1`, `DEBUG=True` / `DJANGO_DEBUG=True` (Django's
settings usually read one of them), `QUART_DEBUG=1`, `WERKZEUG_DEBUG_PIN=off`.

Needs: `FLASK_*`, `QUART_*` and `WERKZEUG_*` variables are Python by name; `DEBUG` and
`DJANGO_DEBUG` are reported only on containers known to run Python (a Python server or
command, or an image linked to a Python Dockerfile).

## Why is this bad?
Debug mode serves tracebacks with source code and settings to anyone who triggers an error,
and Flask's debugger runs arbitrary Python from the browser. It also disables caches and
turns on auto-reloading, which costs CPU and memory in every worker.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: web
          image: ghcr.io/acme/web:1.0
          command: [gunicorn, "app:app"]
          env:
            - {name: FLASK_DEBUG, value: "1"}
```

## Use instead
Leave debug mode off in deployed manifests (`FLASK_DEBUG=0`, `DEBUG=False`, or unset);
turn it on only in a local override.

## Fix safety
No automatic fix: settings modules may read the variable differently.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from podfit.check.model import Model
from podfit.check.model.processes import runs_python
from podfit.check.model.workloads import container_name
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity

RULE = Rule(code="PF812", name="debug-mode-env", severity=Severity.ERROR,
            summary="A deployed container turns on a Python framework's debug mode.",
            category=Category.SECURITY)

_TRUE = {"1", "true", "yes", "on"}
#: Variable → (values that turn debug on, whether the name alone says "Python").
_DEBUG_VARS: dict[str, tuple[frozenset[str], bool]] = {
    "FLASK_ENV": (frozenset({"development", "dev"}), True),
    "FLASK_DEBUG": (frozenset(_TRUE), True),
    "QUART_DEBUG": (frozenset(_TRUE), True),
    "WERKZEUG_DEBUG_PIN": (frozenset({"off"}), True),
    "DJANGO_DEBUG": (frozenset(_TRUE), False),
    "DEBUG": (frozenset(_TRUE), False),
}
#: Objects that are run once (a migration Job) rather than deployed to serve.
_ONE_OFF = frozenset({"Job", "CronJob", "Pod"})


def check(model: Model) -> Iterator[Hit]:
    for workload in model.workloads():
        if workload.obj.kind in _ONE_OFF:
            continue
        env = workload.container.get("env")
        if not isinstance(env, list):
            continue
        python: bool | None = None
        for index, item in enumerate(env):
            if not isinstance(item, Mapping) or item.get("name") not in _DEBUG_VARS:
                continue
            name = str(item["name"])
            values, by_name = _DEBUG_VARS[name]
            if str(item.get("value", "")).strip().strip("\"'").lower() not in values:
                continue
            if not by_name:
                python = runs_python(model, workload) if python is None else python
                if python is not True:
                    continue
            line = int(env.item_lines[index]) if hasattr(env, "item_lines") else \
                workload.line_of("env")
            yield Hit(workload.obj.path, line,
                      f"container '{container_name(workload)}' of {workload.obj.ref} sets "
                      f"{name}={item.get('value')}: debug mode shows tracebacks (and Flask's "
                      "debugger runs code) to anyone; remove it or set it off in deployed "
                      "manifests")
