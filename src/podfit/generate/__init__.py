"""The ``init`` engine: detect a project, decide a Plan, render files — never run user code.

Public API::

    facts = detect(path)                      # static: ast, tomllib, regexes
    plan = build_plan(facts, InitOptions())   # every decision with its reason
    files = render(plan)                      # path -> text
"""

from __future__ import annotations

from podfit.generate.detect import AppFacts, detect
from podfit.generate.plan import Decision, InitOptions, Plan, build_plan
from podfit.generate.render import render
from podfit.generate.writer import FileChange, apply_changes, plan_changes

__all__ = [
    "AppFacts",
    "Decision",
    "FileChange",
    "InitOptions",
    "Plan",
    "apply_changes",
    "build_plan",
    "detect",
    "plan_changes",
    "render",
]
