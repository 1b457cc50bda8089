"""Frozen value types that flow between podfit's engines and its reporters."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Severity(enum.IntEnum):
    """How much a finding matters; ordered so ``--fail-on`` can compare."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (use info, warning or error)") from None

    def __str__(self) -> str:
        return self.name.lower()


class FixSafety(enum.Enum):
    """Whether ``--fix`` may apply a rule's fix without asking (ruff's contract)."""

    NONE = "none"
    SAFE = "safe"
    UNSAFE = "unsafe"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class TextEdit:
    """Replace the text between two (1-based line, 0-based column) points of a file."""

    line: int
    column: int
    end_line: int
    end_column: int
    replacement: str


@dataclass(frozen=True)
class YamlEdit:
    """A structural edit of one YAML document, applied with a comment-keeping round trip.

    ``path`` leads from the document root to a mapping; ``op`` is ``set`` (key → value, added
    at the end when missing), ``setdefault`` (only when the key is missing) or ``append`` (add
    ``value`` to the list at ``key``, creating it, unless an equal item is there).
    """

    document: int
    path: tuple[str | int, ...]
    key: str
    value: object
    op: str = "setdefault"


@dataclass(frozen=True)
class Fix:
    """What a rule proposes to change, and whether that change is safe to apply unasked."""

    description: str
    safety: FixSafety
    text_edits: tuple[TextEdit, ...] = ()
    yaml_edits: tuple[YamlEdit, ...] = ()


@dataclass(frozen=True)
class ImageLink:
    """Evidence a finding rests on: a manifest's image linked to the Dockerfile that builds
    it, and why (``"voting/docker-compose.yml:4 (compose)"``, ``"folder named like the
    image"``…)."""

    image: str
    dockerfile: str
    evidence: str

    def describe(self) -> str:
        return f"image {self.image} is built from {self.dockerfile} ({self.evidence})"

    def as_json(self) -> dict[str, str]:
        return {"image": self.image, "dockerfile": self.dockerfile, "evidence": self.evidence}


@dataclass(frozen=True)
class Finding:
    """One rule violation at one place."""

    code: str
    name: str
    severity: Severity
    path: str
    line: int
    column: int
    message: str
    fix: Fix | None = None
    #: The links the finding rests on (reporters show them; JSON omits the key when empty).
    links: tuple[ImageLink, ...] = ()

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.code)


@dataclass(frozen=True)
class FileError:
    """An input that could not be read or parsed; the rest of the run goes on."""

    path: str
    message: str
    hint: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class CheckResult:
    """Everything ``podfit check`` found, ready for any reporter."""

    findings: tuple[Finding, ...]
    errors: tuple[FileError, ...] = ()
    files_checked: int = 0
    fixed: tuple[str, ...] = field(default=())
