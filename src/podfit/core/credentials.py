"""What a committed credential looks like, and what is only a placeholder for one.

Shared by check's rules on Secrets and env values (and usable by init, which writes
placeholders). A placeholder is a value that cannot be a working secret: empty, a variable
reference (``${DB_PASSWORD}``, ``$(DB_PASSWORD)``, ``{{ .Values.x }}``), an angle-bracket
slot (``<password>``) or one of the words people write for "fill me in".
"""

from __future__ import annotations

import base64
import binascii
import itertools
import re
from urllib.parse import urlsplit

#: Values that say "replace me" (compared lower-cased, without ``-``, ``_`` and spaces).
PLACEHOLDERS = frozenset({"changeme", "changemeplease", "changeit", "replaceme", "replace",
                          "todo", "tbd", "fixme", "xxx", "xxxx", "xxxxx", "xxxxxx", "xxxxxxxx",
                          "placeholder", "secret", "yoursecret", "yourpassword", "password",
                          "mypassword", "example", "dummy", "none", "null", "redacted",
                          "notset", "setme", "empty", "insertpasswordhere", "putyourkeyhere",
                          "overrideme", "default", "test", "***", "****", "********"})
_REFERENCE = re.compile(r"^\$\{[^}]*\}$|^\$\([^)]*\)$|^\$[A-Za-z_]\w*$|^\{\{.*\}\}$|^<[^>]*>$|"
                        r"^%\([^)]*\)s?$|^@@.*@@$|^__[A-Z0-9_]+__$")


#: Words that mark a value as a slot to fill in (``INSERT_TOKEN``, ``your-api-key``).
_SLOT_WORDS = frozenset({"insert", "your", "replace", "example", "placeholder", "dummy", "fake",
                         "sample", "todo", "fixme", "changeme", "redacted", "here", "val"})
#: ``GOOGLE_API_KEY_VAL``, ``HF_TOKEN``: an upper-case identifier, substituted at deploy time.
_IDENTIFIER = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")


def is_placeholder(value: str, name: str = "") -> bool:
    """Whether ``value`` (of the variable or key ``name``) is a stand-in for a secret rather
    than a secret."""
    text = value.strip().strip("\"'")
    if not text or _REFERENCE.match(text) or _IDENTIFIER.match(text):
        return True
    if name and text.lower() in {name.lower(), name.lower().replace("_", "-")}:
        return True
    folded = re.sub(r"[-_\s.]", "", text.lower())
    words = set(re.split(r"[^a-z0-9]+", text.lower()))
    return folded in PLACEHOLDERS or set(folded) <= {"x", "*"} or "changeme" in folded or \
        bool(words & _SLOT_WORDS)


def url_password(value: str) -> str | None:
    """The password of a URL with credentials (``amqp://guest:guest@rabbit/``), unless it is
    a placeholder; ``None`` for anything else."""
    if "://" not in value or "@" not in value:
        return None
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return None
    password = parts.password
    if not password or is_placeholder(password):
        return None
    return password


#: Words (between ``_``) of a variable name that name a secret: a word may carry a prefix
#: (``DBPASSWORD``) but not a suffix (``TOKENIZERS_PARALLELISM`` is not one).
_SECRET_WORDS = ("PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "APIKEY", "CREDENTIALS")
_SECRET_PAIRS = {("API", "KEY"), ("PRIVATE", "KEY"), ("ACCESS", "KEY"), ("SECRET", "KEY"),
                 ("AUTH", "KEY"), ("SIGNING", "KEY"), ("ENCRYPTION", "KEY")}
#: Last words that make a name point *to* a secret rather than hold one.
_POINTERS = frozenset({"FILE", "PATH", "DIR", "URL", "URI", "ENDPOINT", "NAME", "HOST", "PORT",
                       "HEADER", "TYPE", "ID", "LENGTH", "TTL", "EXPIRE", "MINUTES", "SECONDS",
                       "DAYS", "REF", "KEYS", "ALGORITHM", "ROTATION", "VERSION", "ENABLED"})


def names_secret(name: str) -> bool:
    """Whether an environment variable named ``name`` holds a secret by its name."""
    words = [w for w in name.upper().split("_") if w]
    if not words or words[-1] in _POINTERS:
        return False
    if any(w.endswith(s) for w in words for s in _SECRET_WORDS):
        return True
    return any(pair in _SECRET_PAIRS for pair in itertools.pairwise(words))


def decoded(value: str) -> str | None:
    """A Secret ``data`` value decoded from base64 (``None`` when it is not base64)."""
    try:
        return base64.b64decode(value.strip(), validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return None
