"""## What it does
Reports an input podfit did not check because it is not YAML until rendered: a Helm chart
when `helm` is not on `PATH` (or fails to render it), or a template file (`{{ .Values… }}`,
`*-template.yaml`) given on its own. With `helm` installed, charts among the inputs are
rendered with `helm template` (values files from `helm-values` in `[tool.podfit]`) and their
findings point at the template files.

## Why is this bad?
A run that skips every template and says "All clear" reads as a pass. This notice keeps the
skip visible without failing the run (it is `info`), so `--exit-zero` and CI gates behave.

## Example
A chart directory checked on a machine without helm:
`podfit check chart/` → `chart: Helm chart not rendered: helm is not on PATH`.

## Use instead
Install helm, or render the chart yourself: `helm template chart | podfit check -`.

## Fix safety
No automatic fix.
"""

from __future__ import annotations

from podfit.check.rule import Category, Rule
from podfit.core.models import Severity

# Reported by the engine itself, which alone knows which inputs it skipped.
RULE = Rule(code="PF002", name="unrendered-input", severity=Severity.INFO,
            summary="A Helm chart or template was skipped: it is not YAML until rendered.",
            category=Category.META)
