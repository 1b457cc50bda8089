"""How a finding names an object it relates to when that object is written in another file.

A repository repeats names across overlays and environments, and the unit rule
(:mod:`podfit.check.model.scope`) decides which copy a relation takes; a finding that rests
on an object of another file says which file, so the user can see which copy was used.
"""

from __future__ import annotations

from podfit.check.documents.kubernetes import KubeObject


def in_file(related: KubeObject, near: KubeObject) -> str:
    """`` (in base/web.yaml)`` when ``related`` is written in another file than ``near``
    (the object the finding is reported on), else nothing."""
    return f" (in {related.path})" if related.path != near.path else ""


def ref_in_file(related: KubeObject, near: KubeObject) -> str:
    """``Deployment/web``, with the file it is written in when that is not ``near``'s."""
    return related.ref + in_file(related, near)
