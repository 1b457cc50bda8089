"""Shared models (a library member of the workspace)."""
