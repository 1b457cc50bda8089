"""What a rule is: frozen metadata, a ruff-style doc, and a pure ``check()`` generator.

A rule module looks like::

    \"\"\"<doc in the template: What it does / Why is this bad? / Example / Use instead /
    Fix safety>\"\"\"
    RULE = Rule(code="PF123", name="kebab-name", severity=Severity.WARNING,
                summary="one line", category=Category.IMAGES)

    def check(model: Model) -> Iterator[Hit]:
        ...

The module is ``podfit/check/rules/<category folder>/<kebab name with underscores>.py``
and the code's first digit is its category's (``Category.digit``); a test enforces both.
The engine adds code, name and severity to each hit, applies selection and suppressions.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType

from podfit.core.models import Fix, FixSafety, ImageLink, Severity


class Category(enum.Enum):
    """The practice a rule serves: the first digit of its code and the folder of its module."""

    META = "meta"
    IMAGES = "images"
    RESOURCES = "resources"
    CONCURRENCY = "concurrency"
    AUTOSCALING = "autoscaling"
    SHUTDOWN_PROBES = "shutdown-and-probes"
    SERVICES = "service-discovery"
    MONITORING = "monitoring-and-logs"
    SECURITY = "security"
    API = "api-versions"

    @property
    def digit(self) -> str:
        """The code digit: ``PF<digit>xx``."""
        return _DIGITS[self]

    @property
    def folder(self) -> str:
        """The package under ``podfit.check.rules`` that holds its rules."""
        return self.name.lower()


#: Category ↔ code digit, written once.
_DIGITS = {Category.META: "0", Category.IMAGES: "1", Category.RESOURCES: "2",
           Category.CONCURRENCY: "3", Category.AUTOSCALING: "4", Category.SHUTDOWN_PROBES: "5",
           Category.SERVICES: "6", Category.MONITORING: "7", Category.SECURITY: "8",
           Category.API: "9"}


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    summary: str
    category: Category
    fix: FixSafety = FixSafety.NONE
    #: False for costly or opinionated rules that run only when selected by code or name
    #: (``--select PF950`` or ``select = [...]`` in config), never through a prefix or "all".
    default_enabled: bool = True


@dataclass(frozen=True)
class Hit:
    """A rule's raw finding: where and what. ``path``/``line`` are 1-based."""

    path: str
    line: int
    message: str
    column: int = 1
    fix: Fix | None = None
    links: tuple[ImageLink, ...] = ()  # evidence the hit rests on (image <-> Dockerfile)


@dataclass(frozen=True)
class LoadedRule:
    rule: Rule
    doc: str
    check: Callable[..., Iterator[Hit]] | None

    @classmethod
    def from_module(cls, module: ModuleType) -> LoadedRule:
        rule = getattr(module, "RULE", None)
        if not isinstance(rule, Rule):
            raise TypeError(f"{module.__name__} has no RULE")
        check = getattr(module, "check", None)
        return cls(rule, (module.__doc__ or "").strip(), check)
