"""## What it does
Reports a worker count computed from the CPU count: `multiprocessing.cpu_count()`,
`os.cpu_count()` or `os.process_cpu_count()` in a gunicorn config file (directly or through a
helper variable), or `$(nproc)` in a command, `WEB_CONCURRENCY` or `GUNICORN_CMD_ARGS` — for
gunicorn, uvicorn and hypercorn workers and Celery's `--concurrency`.

## Why is this bad?
In a container these read the **node's** CPUs, not the pod's CPU limit or request: cgroup
quotas are ignored. The classic `2 * cpu_count() + 1` in a 1-CPU pod on a 64-core node
starts 129 workers, each importing the whole app, and the pod is OOMKilled (or throttled to a
crawl). The same image behaves differently on every node size.

## Example
```python
import multiprocessing

workers = multiprocessing.cpu_count() * 2 + 1
```

## Use instead
```python
import os

# from the pod's CPU: 2 x cores + 1 (3 for a 1-CPU limit), overridable per deployment
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
```
(or `gunicorn -c python:podfit.runtime.gunicorn_conf`, which reads the cgroup limits).

## Fix safety
No automatic fix: the right number depends on the pod's CPU and memory.
"""

from __future__ import annotations

from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.processes import commands, config_cpu_formula, option_origin
from podfit.check.model.servers import WEB_KINDS, display, reads_node_cpus, short
from podfit.check.model.workloads import container_name, cpu_allowance
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity
from podfit.core.policy import max_workers_for_cpu
from podfit.core.units import format_cpu

RULE = Rule(code="PF302", name="workers-from-node-cpus", severity=Severity.WARNING,
            summary="Worker count computed from the node's CPU count, not the pod's.",
            category=Category.CONCURRENCY)

_ADVICE = ("on a 64-core node `2 * cpu_count() + 1` is 129 workers, whatever the pod's limit; "
           "size workers from the pod's CPU (2 × cores + 1) or use podfit.runtime.gunicorn_conf")


def check(model: Model) -> Iterator[Hit]:
    seen: set[tuple[str, int]] = set()
    used_configs: set[str] = set()
    for server, workload in commands(model):
        config = server.config
        if config is not None:
            used_configs.add(config.path)
        kind = server.command.kind
        key = "workers" if kind in WEB_KINDS else "concurrency" if kind == "celery" else None
        if key is None:
            continue
        where = f"container '{container_name(workload)}': " if workload else ""
        cpu = cpu_allowance(workload.container) if workload else None
        pod = (f" (this pod's CPU is {format_cpu(cpu)}: at most {max_workers_for_cpu(cpu)} "
               "workers)") if cpu else ""
        if config is not None and server.sources.get(key) == config.path:
            formula = config_cpu_formula(config, key)
            overridden = formula is not None and any(server.env.get(v) for v in formula.env)
            if formula is None or overridden or (config.path, formula.line) in seen:
                continue
            seen.add((config.path, formula.line))
            yield Hit(config.path, formula.line,
                      f"{where}gunicorn {key} `{formula.source}` ({short(config.path)} line "
                      f"{formula.line}, from the CPU count on line {formula.cpu_line}) counts "
                      f"the node's CPUs, not the pod's{pod}; {_ADVICE}")
            continue
        if not reads_node_cpus(server.options.get(key)):
            continue
        origin = option_origin(server, workload, key)
        if (origin.path, origin.line) in seen:
            continue
        seen.add((origin.path, origin.line))
        yield Hit(origin.path, origin.line,
                  f"{where}{display(kind)} {key} `{server.options[key]}` ({origin.text}) "
                  f"counts the node's CPUs, not the pod's{pod}; {_ADVICE}")
    for config in model.gunicorn_configs:
        formula = config_cpu_formula(config)
        if config.path in used_configs or formula is None:
            continue
        yield Hit(config.path, formula.line,
                  f"gunicorn workers `{formula.source}` ({short(config.path)} line "
                  f"{formula.line}, from the CPU count on line {formula.cpu_line}) counts the "
                  f"node's CPUs, not the pod's; {_ADVICE}")
