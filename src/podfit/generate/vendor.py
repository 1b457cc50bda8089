"""podfit.runtime's source, copied into the build context so the image needs no index that
has podfit (a local checkout, a private fork or a release not on PyPI all build the same).

podfit.runtime imports only the standard library (prometheus_client is optional), so its
``.py`` files are all the image needs. They are read from the podfit that runs ``init`` —
never imported — and written under ``.podfit/runtime/``, which the Dockerfile copies into the
virtualenv's site-packages.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

from podfit import __version__

VENDOR_DIR = ".podfit/runtime"
#: The package's own ``__init__`` would pull in podfit's CLI dependencies; this one is enough
#: for ``podfit.runtime`` to import.
PACKAGE_INIT = f'''"""podfit.runtime {__version__}, copied by `podfit init` (the runtime only).

Re-run `podfit init` after upgrading podfit to refresh it; do not edit these files.
"""

__version__ = "{__version__}"
'''


def _walk(node: Traversable, prefix: str) -> dict[str, str]:
    files: dict[str, str] = {}
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        if child.is_dir():
            if child.name != "__pycache__":
                files.update(_walk(child, f"{prefix}/{child.name}"))
        elif child.name.endswith(".py"):
            files[f"{prefix}/{child.name}"] = child.read_text(encoding="utf-8")
    return files


def runtime_files() -> dict[str, str]:
    """Path relative to the project root -> text, for every module of podfit.runtime."""
    package = resources.files("podfit").joinpath("runtime")
    files = {f"{VENDOR_DIR}/podfit/__init__.py": PACKAGE_INIT}
    files.update(_walk(package, f"{VENDOR_DIR}/podfit/runtime"))
    return files
