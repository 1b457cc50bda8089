"""uWSGI settings, from an ini file's ``[uwsgi]`` section, a command line or ``UWSGI_*`` env.

uWSGI spells an option three ways (``--die-on-term``, ``die_on_term = true`` in an ini file,
``UWSGI_DIE_ON_TERM=1`` in the environment); every reader here returns hyphenated names so
rules ask one question. The concurrency options rules care about are ``processes`` (alias
``workers``), ``threads``, ``cheaper``; shutdown ones ``die-on-term`` and ``harakiri``.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass

#: Aliases and short options uWSGI accepts for the options podfit reads.
_ALIASES = {"workers": "processes", "p": "processes", "M": "master", "T": "enable-threads",
            "w": "module", "s": "socket", "t": "harakiri", "H": "virtualenv", "h": "home",
            "wsgi": "module"}
#: Options that take no value on the command line (``--master``, ``--die-on-term``).
FLAGS = frozenset({"master", "die-on-term", "enable-threads", "lazy-apps", "lazy", "vacuum",
                   "single-interpreter", "strict", "need-app", "no-orphans", "thunder-lock",
                   "py-autoreload", "honour-stdin", "log-master", "disable-logging"})
_TRUE = {"1", "true", "yes", "on", "y", "t", ""}
_SECTION = re.compile(r"^\[([^\]]+)\]\s*$")


def option_name(raw: str) -> str:
    name = raw.strip().lstrip("-").replace("_", "-")
    return _ALIASES.get(name, name)


@dataclass(frozen=True)
class UwsgiOption:
    value: str
    line: int  # 0 when not from a file (command line, environment)
    origin: str  # "ini", "command line", "env UWSGI_…"


@dataclass(frozen=True)
class UwsgiConfig:
    """The options of one source, last occurrence winning (as uWSGI does for scalars)."""

    path: str
    options: Mapping[str, UwsgiOption]
    section_line: int = 0  # the ``[uwsgi]`` header in an ini file

    def get(self, name: str) -> str | None:
        option = self.options.get(option_name(name))
        return option.value if option else None

    def int_option(self, name: str) -> int | None:
        value = self.get(name)
        if value is None:
            return None
        try:
            return int(value.strip())
        except ValueError:
            return None

    def flag(self, name: str) -> bool:
        value = self.get(name)
        return value is not None and value.strip().lower() in _TRUE

    def line_of(self, name: str) -> int:
        option = self.options.get(option_name(name))
        return option.line if option and option.line else self.section_line or 1


_GRACEFUL_TERM = re.compile(r"unix_signal:\s*(?:15|SIGTERM)\s+gracefully_kill_them_all")
#: uWSGI's ``worker-reload-mercy`` default: how long a graceful shutdown waits for a worker.
DEFAULT_WORKER_MERCY = 60


def drains_on_term(config: UwsgiConfig) -> bool:
    """SIGTERM remapped to a graceful shutdown (``hook-master-start = unix_signal:15
    gracefully_kill_them_all``): workers finish their requests, then exit."""
    hook = config.get("hook-master-start") or ""
    return bool(_GRACEFUL_TERM.search(hook))


def exits_on_term(config: UwsgiConfig) -> bool:
    """Whether SIGTERM ends uWSGI (``die-on-term`` kills at once; the hook drains first)."""
    return config.flag("die-on-term") or drains_on_term(config)


def is_uwsgi_ini(path: str, text: str) -> bool:
    """An ini file with a ``[uwsgi]`` section (uwsgi.ini, app.ini, wsgi.ini…)."""
    return path.endswith(".ini") and "[uwsgi]" in text


def parse_uwsgi_ini(path: str, text: str, section: str = "uwsgi") -> UwsgiConfig:
    options: dict[str, UwsgiOption] = {}
    current = ""
    header = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line[0] in ";#":
            continue
        match = _SECTION.match(line)
        if match:
            current = match.group(1).strip()
            if current == section and not header:
                header = number
            continue
        if current != section:
            continue
        key, sep, value = line.partition("=")
        if not sep:
            key, value = line, "true"  # a bare key in uWSGI's ini dialect is a flag
        options[option_name(key)] = UwsgiOption(value.strip(), number, "ini")
    return UwsgiConfig(path, options, header)


def parse_uwsgi_argv(argv: list[str] | tuple[str, ...], path: str = "") -> UwsgiConfig:
    """Options of ``uwsgi ARGS``; ``argv[0]`` may be ``uwsgi`` itself."""
    words = list(argv)
    if words and posixpath.basename(words[0]) in {"uwsgi", "uwsgi_python3", "uwsgi3"}:
        words = words[1:]
    options: dict[str, UwsgiOption] = {}
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        if not word.startswith("-") or word in {"-", "--"}:
            if word.endswith(".ini") and "ini" not in options:  # `uwsgi app.ini`
                options["ini"] = UwsgiOption(word, 0, "command line")
            continue
        name, eq, value = word.partition("=")
        key = option_name(name)
        if not eq:
            if key in FLAGS or i >= len(words) or words[i].startswith("-"):
                value = "true"
            else:
                value = words[i]
                i += 1
        options[key] = UwsgiOption(value, 0, "command line")
    return UwsgiConfig(path, options)


def env_options(env: Mapping[str, str]) -> UwsgiConfig:
    """``UWSGI_PROCESSES=4`` and friends: uWSGI reads every option from the environment."""
    options = {option_name(k.removeprefix("UWSGI_").lower()): UwsgiOption(v, 0, f"env {k}")
               for k, v in env.items() if k.startswith("UWSGI_") and len(k) > 6}
    return UwsgiConfig("", options)


def merged(*configs: UwsgiConfig) -> UwsgiConfig:
    """Later configs win: pass ``env, ini, argv`` (uWSGI reads the environment first)."""
    options: dict[str, UwsgiOption] = {}
    path = ""
    line = 0
    for config in configs:
        options.update(config.options)
        if config.path and not path:
            path, line = config.path, config.section_line
    return UwsgiConfig(path, options, line)
