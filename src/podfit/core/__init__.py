"""Models, errors, units and helpers shared by every podfit engine."""
