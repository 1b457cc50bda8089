"""## What it does
Reports `ENV` and `ARG` instructions that carry a secret: a variable named like one — a
word (between `_`) ending in `PASSWORD`, `PASSWD`, `PASSPHRASE`, `SECRET`, `TOKEN`, `APIKEY`
or `CREDENTIALS`, or the words `API_KEY`, `PRIVATE_KEY`, `ACCESS_KEY`, `SECRET_KEY`… — with
a value (an `ARG` also without one: it is meant to be passed with `--build-arg`), or any
value that is a URL with a password (`https://user:pass@…`, e.g. `PIP_INDEX_URL`,
`PIP_EXTRA_INDEX_URL`, `UV_INDEX_URL`, `DATABASE_URL`).

Names that *point to* a secret are not reported: a last word of `FILE`, `PATH`, `DIR`, `URL`,
`URI`, `ENDPOINT`, `NAME`, `HOST`, `PORT`, `HEADER`, `TYPE`, `ID`, `LENGTH`, `TTL`… (e.g.
`TOKEN_URL`, `SECRET_KEY_FILE=/run/secrets/key`, `ACCESS_TOKEN_EXPIRE_MINUTES`), nor
values that are absolute paths, numbers or booleans, nor an `ENV` with an empty value or that
copies a variable no `ARG` declares (`ENV SECRET_KEY=$SECRET_KEY` alone is empty), nor words
that merely start like one (`TOKENIZERS_PARALLELISM`).

## Why is this bad?
`ENV` values are stored in the image config: anyone who can pull the image reads them with
`docker inspect`. `ARG` values end up in `docker history` (for every `RUN` that follows them),
in the build cache and in provenance attestations. Rotating the secret does not remove it from
images already pushed. BuildKit secret mounts give a `RUN` the secret without storing it.

## Example
```dockerfile
FROM python:3.12-slim
ARG PIP_INDEX_URL=https://ci:s3cr3t@pypi.example.com/simple
RUN pip install --no-cache-dir -r requirements.txt
```

## Use instead
```dockerfile
FROM python:3.12-slim
RUN --mount=type=secret,id=pip_index_url,env=PIP_INDEX_URL \
    pip install --no-cache-dir -r requirements.txt
```

## Fix safety
No automatic fix: the secret must be passed to the build another way (`docker build --secret`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

from podfit.check.model import Model
from podfit.check.model.documents import env_pairs
from podfit.check.model.images import unquote
from podfit.check.rule import Category, Hit, Rule
from podfit.core.models import Severity

RULE = Rule(code="PF111", name="secret-in-env-or-arg", severity=Severity.ERROR,
            summary="A secret is passed with ENV or ARG and stored in the image.",
            category=Category.IMAGES)

#: Words of a variable name (split at ``_``) that name a secret; a word may carry a prefix
#: (``DBPASSWORD``, ``GHTOKEN``) but not a suffix (``TOKENIZERS_PARALLELISM`` is not one).
_SECRET_WORDS = ("PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "APIKEY", "CREDENTIALS")
_SECRET_PAIRS = {("API", "KEY"), ("PRIVATE", "KEY"), ("ACCESS", "KEY"), ("SECRET", "KEY"),
                 ("AUTH", "KEY"), ("SIGNING", "KEY"), ("ENCRYPTION", "KEY")}
_POINTER = frozenset({"FILE", "PATH", "DIR", "URL", "URI", "ENDPOINT", "NAME", "HOST", "PORT",
                      "HEADER", "TYPE", "ID", "LENGTH", "TTL", "EXPIRY", "EXPIRES", "EXPIRE",
                      "EXPIRATION", "TIMEOUT", "LIFETIME", "ENABLED", "REF", "ARN", "KEYS",
                      "FIELD", "PREFIX", "SUFFIX", "SECONDS", "MINUTES", "HOURS", "DAYS", "AGE",
                      "ALGORITHM", "LOCATION", "MODE", "SIZE", "LIMIT", "ISSUER", "AUDIENCE",
                      "BACKEND", "VERSION"})
_URL_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]*://[^/@\s:]+:(?!\$)[^/@\s]+@", re.I)
_REFERENCE = re.compile(r"^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$")
_NOT_SECRET = re.compile(r"^(\d+|true|false|yes|no|on|off|none|null)$", re.I)


def _secret(name: str, value: str | None, is_arg: bool, args: set[str]) -> str | None:
    """Why ``name=value`` is a secret, or ``None``. ``args``: ARG names of the Dockerfile."""
    if value and _URL_PASSWORD.search(value):
        return "a URL with a password"
    words = name.upper().split("_")
    if not _names_secret(words) or words[-1] in _POINTER:
        return None
    if not value:
        return "a secret build argument" if is_arg else None
    reference = _REFERENCE.match(value)
    if reference:  # ENV X=$X stores the build argument's value; an unset one is empty
        return f"the value of build argument {reference.group(1)}" if reference.group(
            1) in args else None
    if value.startswith("/") or _NOT_SECRET.match(value):
        return None
    return "a secret build argument" if is_arg else "a secret value"


def _names_secret(words: list[str]) -> bool:
    return any(w.endswith(_SECRET_WORDS) for w in words) or any(
        pair in _SECRET_PAIRS for pair in itertools.pairwise(words))


def check(model: Model) -> Iterator[Hit]:
    for doc in model.dockerfiles:
        args = {a.partition("=")[0] for i in doc.instructions if i.cmd == "ARG" for a in i.args}
        for ins in doc.instructions:
            if ins.cmd == "ENV":
                items: list[tuple[str, str | None]] = [
                    (k, unquote(v)) for k, v in env_pairs(ins).items()]
            elif ins.cmd == "ARG":
                items = [(k, unquote(v) if eq else None)
                         for k, eq, v in (a.partition("=") for a in ins.args)]
            else:
                continue
            for name, value in items:
                why = _secret(name, value, ins.cmd == "ARG", args)
                if why is not None:
                    yield Hit(doc.path, ins.line,
                              f"{ins.cmd} {name} passes {why}, which is stored in the image "
                              "(config, history or build cache); use 'RUN --mount=type=secret,"
                              f"id=…' for the step that needs it")
