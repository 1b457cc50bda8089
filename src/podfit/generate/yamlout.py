"""How ``init`` writes YAML (one dumper for the Kustomize base and the Helm chart)."""

from __future__ import annotations

from typing import Any

import yaml


class _Dumper(yaml.SafeDumper):
    """No ``&id001`` anchors: shared dicts (labels, selectors) are written out each time."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump_yaml(obj: Any) -> str:
    return yaml.dump(obj, Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=100)
