"""Shell words: split a command line the way ``sh`` would, keep ``$(nproc)`` one word, expand
``$VAR`` from known assignments, and quote words back so that ``$VAR`` still expands."""

from __future__ import annotations

import re
import shlex


def _join_substitutions(text: str) -> str:
    """Keep ``$(nproc)`` and ``$((2 * $(nproc) + 1))`` one word: spaces inside a command or
    arithmetic substitution become NUL (restored after splitting)."""
    out: list[str] = []
    depth = 0
    i = 0
    while i < len(text):
        if text.startswith("$(", i):
            depth += 1
            out.append("$(")
            i += 2
            continue
        char = text[i]
        if depth and char == "(":
            depth += 1
        elif depth and char == ")":
            depth -= 1
        out.append("\0" if depth and char == " " else char)
        i += 1
    return "".join(out)


def split_shell(text: str) -> list[str]:
    """Words of a shell command line (comments dropped; unbalanced quotes split on spaces)."""
    joined = _join_substitutions(text)
    try:
        words = shlex.split(joined, comments=True)
    except ValueError:
        words = joined.split()
    return [w.replace("\0", " ") for w in words]


_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def take_assignments(words: list[str], env: dict[str, str]) -> list[str]:
    """Move leading ``NAME=value`` words (and ``export NAME=value``) into ``env``; the rest."""
    if words and words[0] == "export":
        words = words[1:]
    while words and _ASSIGNMENT.match(words[0]):
        name, _, value = words[0].partition("=")
        env[name] = value
        words = words[1:]
    return words


_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def expand_vars(text: str, env: dict[str, str]) -> str:
    """Expand ``$A``, ``${A}`` and ``${A:-default}`` from ``env`` the way a shell would;
    references that cannot be resolved stay as written."""
    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(3)
        if env.get(name):
            return env[name]
        if match.group(2) is not None:  # ${A:-$B}: the default is expanded too
            return _REFERENCE.sub(lambda m: env.get(m.group(1) or m.group(3)) or m.group(0),
                                  match.group(2))
        return match.group(0)

    return _REFERENCE.sub(replace, text)


def assignments(command: str, env: dict[str, str]) -> dict[str, str]:
    """Variables a shell command line sets for what follows (``export A=1``, ``A=1``), with
    ``${A:-4}`` and ``$A`` expanded from ``env`` where possible."""
    found: dict[str, str] = {}
    if take_assignments(split_shell(command), found):
        return {}  # a command with a prefix assignment: it sets nothing for later lines
    return {name: expand_vars(value, env) for name, value in found.items()}


_SAFE = re.compile(r"[\w@%+=:,./-]+")


def quote(word: str) -> str:
    """One word for a shell script. Double quotes, not ``shlex.quote``'s single quotes: a
    user's ``$PORT`` or ``$(nproc)`` must still expand when the script runs."""
    if _SAFE.fullmatch(word):
        return word
    escaped = word.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`")
    return f'"{escaped}"'


def join(words: list[str] | tuple[str, ...]) -> str:
    """A command line from words, quoted with :func:`quote`."""
    return " ".join(quote(w) for w in words)
