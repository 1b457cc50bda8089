"""## What it does
Reports a final image built on the full `python:X` image (`python:3.12`,
`python:3.12-bookworm`) instead of `-slim`, Alpine or distroless. A full image in a builder
stage is fine: it is there for its compilers, and its layers are not shipped.

## Why is this bad?
The full image is Debian with `buildpack-deps`: gcc, headers, git, ImageMagick and hundreds of
`-dev` packages, about 1 GB against ~120 MB for `-slim`. Every node pulls it on each new
version, which slows scale-ups and rollouts, and every one of those packages is CVE surface in
production. Compile in a builder stage and copy the result into a slim runtime stage.

## Example
```dockerfile
FROM python:3.12.7
COPY . /app
CMD ["gunicorn", "app:app"]
```

## Use instead
```dockerfile
FROM python:3.12.7 AS build
RUN python -m venv /venv && /venv/bin/pip install --no-cache-dir gunicorn==23.0.0

FROM python:3.12.7-slim
COPY --from=build /venv /venv
COPY . /app
CMD ["/venv/bin/gunicorn", "app:app"]
```

## Fix safety
No automatic fix: `-slim` lacks the compilers and `-dev` libraries some installs need at build
time and some shared libraries (e.g. libpq) at run time, so the Dockerfile may need a builder
stage or an `apt-get install` of the runtime libraries.
"""

from __future__ import annotations

from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.images import base_is_python_full, image_stages
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity

RULE = Rule(code="PF102", name="full-python-runtime-image", severity=Severity.WARNING,
            summary="The final image is based on the full `python` image, not `-slim`.",
            category=Category.IMAGES)


def slim_variant(image: str) -> str:
    """``python:3.12`` → ``python:3.12-slim``; ``python:3.12-bookworm`` →
    ``python:3.12-slim-bookworm``."""
    name, _, tag = image.rpartition(":")
    if not name or tag == "latest":
        return f"{name or image}:slim"
    if name.rsplit("/", 1)[-1] == "uv":
        return f"{name}:{tag}-slim"  # uv's images put -slim last: python3.12-bookworm-slim
    version, dash, distro = tag.partition("-")
    return f"{name}:{version}-slim{dash}{distro}"


def check(model: Model) -> Iterator[Hit]:
    for doc in model.dockerfiles:
        chain = image_stages(doc)
        if not chain:
            continue
        image = doc.base_image(chain[-1])
        if "$" in image or not base_is_python_full(image):
            continue
        yield Hit(doc.path, chain[0].line,
                  f"the final image is based on '{image}', the full Debian image with "
                  f"compilers and -dev packages (~1 GB); run on '{slim_variant(image)}' and "
                  "build native dependencies in a builder stage")
