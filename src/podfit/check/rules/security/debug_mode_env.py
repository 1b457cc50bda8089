"""## What it does
Reports a container whose environment turns on a Python framework's development mode:
`FLASK_ENV=development`, `FLASK_DEBUG=1`, `DEBUG=True` / `DJANGO_DEBUG=True` (Django's
settings usually read one of them), `QUART_DEBUG=1`, `WERKZEUG_DEBUG_PIN=off` — in its
`env`, or in a ConfigMap of the same unit and namespace it reads through `envFrom`
(`configMapRef`, with its `prefix`) or `valueFrom.configMapKeyRef` (reported at the
ConfigMap's line, once however many containers read it). Jobs, CronJobs and bare Pods (one-off
runs) are left alone.

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
from podfit.check.model.documents import KubeObject
from podfit.check.model.programs import runs_python
from podfit.check.model.workloads import Workload, container_name
from podfit.check.rule import Category, Hit, Rule
from podfit.core.kube import dig
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


def _debug_value(name: object, value: object) -> bool:
    """Whether ``name=value`` turns a framework's debug mode on."""
    if name not in _DEBUG_VARS:
        return False
    return str(value).strip().strip("\"'").lower() in _DEBUG_VARS[str(name)][0]


def _config_maps(model: Model, workload: Workload, name: object) -> Iterator[KubeObject]:
    """The ConfigMaps named ``name`` that ``workload``'s pods may read (same unit and
    namespace)."""
    for config_map in model.objects_of("ConfigMap"):
        if config_map.name == name and model.related(config_map, workload.obj):
            yield config_map


def _from_config_maps(model: Model, workload: Workload) -> Iterator[tuple[KubeObject, str, str,
                                                                          str]]:
    """``(ConfigMap, variable, value, key)`` for each debug variable the container takes from
    a ConfigMap: ``envFrom.configMapRef`` (every key, with the prefix) and
    ``env[].valueFrom.configMapKeyRef``."""
    env_from = workload.container.get("envFrom")
    for source in env_from if isinstance(env_from, list) else ():
        ref = source.get("configMapRef") if isinstance(source, Mapping) else None
        if not isinstance(ref, Mapping):
            continue
        prefix = str(source.get("prefix") or "")
        for config_map in _config_maps(model, workload, ref.get("name")):
            data = config_map.data.get("data")
            for key, value in data.items() if isinstance(data, Mapping) else ():
                if _debug_value(prefix + str(key), value):
                    yield config_map, prefix + str(key), str(value), str(key)
    env = workload.container.get("env")
    for item in env if isinstance(env, list) else ():
        ref = dig(item, "valueFrom", "configMapKeyRef") if isinstance(item, Mapping) else None
        if not isinstance(ref, Mapping) or item.get("name") not in _DEBUG_VARS:
            continue
        for config_map in _config_maps(model, workload, ref.get("name")):
            data = config_map.data.get("data")
            key = str(ref.get("key"))
            if isinstance(data, Mapping) and _debug_value(item["name"], data.get(key)):
                yield config_map, str(item["name"]), str(data[key]), key


def check(model: Model) -> Iterator[Hit]:
    seen: set[tuple[str, int, str]] = set()  # a ConfigMap many containers read: once
    for workload in model.workloads():
        if workload.obj.kind in _ONE_OFF:
            continue
        python: bool | None = None
        for config_map, name, value, key in _from_config_maps(model, workload):
            if not _DEBUG_VARS[name][1]:
                python = runs_python(model, workload) if python is None else python
                if python is not True:
                    continue
            data = config_map.data.get("data")
            line_of = getattr(data, "line_of", None)
            line = int(line_of(key)) if line_of else config_map.line
            if (config_map.path, line, name) in seen:
                continue
            seen.add((config_map.path, line, name))
            yield Hit(config_map.path, line,
                      f"{config_map.ref} sets {name}={value}, read by container "
                      f"'{container_name(workload)}' of {workload.obj.ref}: debug mode shows "
                      "tracebacks (and Flask's debugger runs code) to anyone; remove it or set "
                      "it off in deployed manifests")
        env = workload.container.get("env")
        if not isinstance(env, list):
            continue
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
