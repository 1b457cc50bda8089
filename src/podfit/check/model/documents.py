"""The parsed documents rules may name in signatures (re-exported: rules import the model,
never the parsers)."""

from podfit.check.documents.dockerfile import DockerfileDoc, Instruction, Stage, env_pairs
from podfit.check.documents.kubernetes import KubeObject
from podfit.check.documents.python_config import GunicornConfig, Requirements, ShellScript
from podfit.check.documents.uwsgi import (
    DEFAULT_WORKER_MERCY,
    UwsgiConfig,
    drains_on_term,
    exits_on_term,
)

__all__ = ["DEFAULT_WORKER_MERCY", "DockerfileDoc", "GunicornConfig", "Instruction",
           "KubeObject", "Requirements", "ShellScript", "Stage", "UwsgiConfig", "drains_on_term",
           "env_pairs", "exits_on_term"]
