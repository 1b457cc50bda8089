"""One exception hierarchy; the CLI maps each class to an exit code in one place."""

from __future__ import annotations


class PodfitError(Exception):
    """Base of every error podfit reports to a user as ``error: …`` / ``hint: …``."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(PodfitError):
    """The command line asks for something impossible (bad flag value, unknown rule)."""


class ConfigError(PodfitError):
    """A configuration file is unreadable or has unknown keys or values."""


class InputError(PodfitError):
    """An input file cannot be read or parsed; other inputs are still processed."""


class ProfileError(PodfitError):
    """A profiling run could not be carried out (no cgroups, app crashed before ready…)."""
