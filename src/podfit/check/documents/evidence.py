"""One entry point for build evidence: which parser reads which input (by name and kind),
so the engine asks once per file and files that say nothing about builds cost nothing."""

from __future__ import annotations

import posixpath

from podfit.check.documents.build_lines import (
    is_workflow,
    parse_makefile_builds,
    parse_script_builds,
    parse_workflow_builds,
)
from podfit.check.documents.compose import is_compose, parse_compose
from podfit.check.documents.image_builds import ImageBuild, ImageRename
from podfit.check.documents.kustomization import is_kustomization, parse_kustomization
from podfit.check.documents.skaffold import is_skaffold, parse_skaffold

Found = tuple[tuple[ImageBuild, ...], tuple[ImageRename, ...], tuple[str, ...]]
NOTHING: Found = ((), (), ())
#: Input kinds read only for build evidence (no rule looks at them otherwise).
EVIDENCE_ONLY = frozenset({"makefile"})


def is_makefile(name: str) -> bool:
    lower = name.lower()
    return lower in {"makefile", "gnumakefile"} or lower.endswith(".mk")


def evidence_of(path: str, text: str, kind: str) -> Found:
    """``(builds, renames, pulled images)`` stated by one input."""
    if kind == "yaml":
        if is_compose(path):
            compose = parse_compose(path, text)
            pulled = tuple(s.image for s in compose.services if s.image and s.build is None)
            return compose.builds, (), pulled
        if is_skaffold(path):
            return parse_skaffold(path, text), (), ()
        if is_kustomization(path):
            return (), parse_kustomization(path, text).images, ()
        if is_workflow(path):
            return parse_workflow_builds(path, text), (), ()
        return NOTHING
    if kind in {"shell", "makefile"} and ("build" in text or "bud" in text):
        if kind == "makefile" or is_makefile(posixpath.basename(path)):
            return parse_makefile_builds(path, text), (), ()
        return parse_script_builds(path, text), (), ()
    return NOTHING
