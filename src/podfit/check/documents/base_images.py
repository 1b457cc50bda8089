"""Base images that start their own server from a start script, sizing the workers from the
node (tiangolo's ``uvicorn-gunicorn*``, ``meinheld-gunicorn*`` and ``uwsgi-nginx*``).

Their formula runs only while their start script does: a ``CMD``/``ENTRYPOINT`` of the
Dockerfile's own (or a container ``command``) replaces it.
"""

from __future__ import annotations

import re

from podfit.check.documents.dockerfile import Stage

GUNICORN_START = re.compile(r"(?:^|/)tiangolo/(?:uvicorn-gunicorn|meinheld-gunicorn)")
UWSGI_START = re.compile(r"(?:^|/)tiangolo/uwsgi-nginx")
#: The images' own start scripts and entrypoints: naming one keeps the formula.
_THEIRS = re.compile(r"(?:^|/)(?:start(?:-reload)?\.sh|entrypoint\.sh)$")


def starts_workers_from_node(image: str) -> bool:
    return bool(GUNICORN_START.search(image) or UWSGI_START.search(image))


def own_start(stage: Stage) -> bool:
    """Whether ``stage`` starts something of its own (a CMD or ENTRYPOINT other than the
    base image's start scripts), so the base image's worker formula no longer applies."""
    for ins in stage.instructions:
        if ins.cmd not in ("CMD", "ENTRYPOINT") or not ins.args:
            continue
        words = list(ins.args) if ins.json else ins.text.split()
        if words and not _THEIRS.search(words[0]):
            return True
    return False
