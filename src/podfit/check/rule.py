"""What a rule is: frozen metadata, a ruff-style doc, and a pure ``check()`` generator.

A rule module looks like::

    \"\"\"<doc in the template: What it does / Why is this bad? / Example / Use instead /
    Fix safety>\"\"\"
    RULE = Rule(code="PF123", name="kebab-name", severity=Severity.WARNING,
                summary="one line", category=Category.IMAGES)

    def check(project: Project) -> Iterator[Hit]:
        ...

The engine adds code, name and severity to each hit, applies selection and suppressions.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType

from podfit.core.models import Fix, FixSafety, Severity


class Category(enum.Enum):
    """The practice a rule serves; the first digit of its code."""

    META = "meta"  # PF0xx
    IMAGES = "images"  # PF1xx
    RESOURCES = "resources"  # PF2xx
    CONCURRENCY = "concurrency"  # PF3xx
    AUTOSCALING = "autoscaling"  # PF4xx
    SHUTDOWN_PROBES = "shutdown-and-probes"  # PF5xx
    SERVICES = "service-discovery"  # PF6xx
    MONITORING = "monitoring-and-logs"  # PF7xx
    SECURITY = "security"  # PF8xx
    API = "api-versions"  # PF9xx


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
