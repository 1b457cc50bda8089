"""## What it does
Reports a `# podfit: ignore[CODE]` comment or a `podfit.dev/ignore` annotation that suppresses
nothing, or that names a rule podfit does not know.

## Why is this bad?
Stale suppressions hide future problems: when the code they excused is gone, a new finding at
the same place would be silenced without anyone deciding so.

## Example
```dockerfile
# podfit: ignore[PF101]
FROM python:3.12-slim@sha256:0123…
```

## Use instead
Remove the suppression (or fix the code it names).

## Fix safety
No automatic fix.
"""

from __future__ import annotations

from podfit.check.rule import Category, Rule
from podfit.core.models import Severity

# Reported by the engine itself, which alone knows which suppressions were used.
RULE = Rule(code="PF001", name="unused-suppression", severity=Severity.WARNING,
            summary="A suppression comment or annotation suppresses nothing.",
            category=Category.META)
