"""The parsed documents rules may name in signatures (re-exported: rules import the model,
never the parsers)."""

from podfit.check.documents.base_images import (
    GUNICORN_START,
    UWSGI_START,
    own_start,
    starts_workers_from_node,
)
from podfit.check.documents.dockerfile import DockerfileDoc, Instruction, Stage, env_pairs
from podfit.check.documents.kubernetes import KubeObject
from podfit.check.documents.python_config import GunicornConfig, Requirements, ShellScript
from podfit.check.documents.uwsgi import (
    DEFAULT_WORKER_MERCY,
    UwsgiConfig,
    drains_on_term,
    exits_on_term,
)

__all__ = [
    "DEFAULT_WORKER_MERCY",
    "GUNICORN_START",
    "UWSGI_START",
    "DockerfileDoc",
    "GunicornConfig",
    "Instruction",
    "KubeObject",
    "Requirements",
    "ShellScript",
    "Stage",
    "UwsgiConfig",
    "drains_on_term",
    "env_pairs",
    "exits_on_term",
    "own_start",
    "starts_workers_from_node",
]
