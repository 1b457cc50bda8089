"""podfit check rules: meta (about suppressions)."""

MODULES: tuple[str, ...] = ("unused_suppression", "unrendered_input")
