"""The parsed documents rules may name in signatures (re-exported: rules import the model,
never the parsers)."""

from podfit.check.documents.dockerfile import DockerfileDoc, Instruction, Stage, env_pairs
from podfit.check.documents.kubernetes import KubeObject
from podfit.check.documents.python_config import GunicornConfig, Requirements, ShellScript

__all__ = ["DockerfileDoc", "GunicornConfig", "Instruction", "KubeObject", "Requirements",
           "ShellScript", "Stage", "env_pairs"]
