#!/usr/bin/env python3
"""Refresh src/podfit/core/data/native_packages.json from PyPI's JSON API.

The table has two kinds of fields. The OS packages (``build``, ``runtime``, ``source_runtime``
and their ``alpine_*`` twins) and ``why`` are written by hand: PyPI does not know them. The
``wheels`` field is computed here: for every CPython minor in PYTHONS, the first final release
with a wheel that installs on x86_64 glibc (manylinux) and on musl (musllinux). Pure-Python
wheels (``py3-none-any``) count for both.

    .venv/bin/python scripts/refresh_native_packages.py [--only psycopg2-binary,lxml]

One GET per package (https://pypi.org/pypi/<name>/json lists every release's files); set
PIP_CERT or SSL_CERT_FILE for a TLS-inspecting proxy.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import ssl
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "src" / "podfit" / "core" / "data" / "native_packages.json"
PYTHONS = ("3.9", "3.10", "3.11", "3.12", "3.13", "3.14")
PRE = re.compile(r"(a|b|rc|dev|alpha|beta|pre|c)\d*", re.I)


def version_key(version: str) -> tuple[int, ...]:
    match = re.match(r"\d+(?:\.\d+)*", version)
    parts = [int(p) for p in match.group(0).split(".")] if match else []
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def wheel_fits(filename: str, python: str, libc: str) -> bool:
    """Whether a wheel file installs on CPython ``python`` on x86_64 ``libc``."""
    parts = filename[:-4].split("-")
    if len(parts) < 5:
        return False
    interps, abis, platforms = (set(p.split(".")) for p in parts[-3:])
    minor = int(python.split(".")[1])
    if "any" in platforms:
        platform_ok = True
    else:
        prefix = "manylinux" if libc == "glibc" else "musllinux"
        platform_ok = any(p.startswith(prefix) and p.endswith("x86_64") for p in platforms)
        platform_ok = platform_ok or (libc == "glibc" and "linux_x86_64" in platforms)
    if not platform_ok:
        return False
    for interp in interps:
        if interp in ("py3", "py2.py3", f"py3{minor}") and "none" in abis:
            return True
        match = re.fullmatch(r"cp3(\d+)", interp)
        if not match:
            continue
        built = int(match.group(1))
        if built == minor and f"cp3{minor}" in abis:
            return True
        if "abi3" in abis and built <= minor:
            return True
    return False


def first_wheels(releases: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {"glibc": {}, "musl": {}}
    finals = [v for v in releases if not PRE.search(v.split("+")[0].lstrip("0123456789."))]
    for version in sorted(finals, key=version_key):
        files = [f["filename"] for f in releases[version]
                 if f.get("packagetype") == "bdist_wheel" and not f.get("yanked")]
        for libc, firsts in out.items():
            for python in PYTHONS:
                if python not in firsts and any(wheel_fits(f, python, libc) for f in files):
                    firsts[python] = version
    return out


def fetch(name: str) -> dict[str, Any]:
    cafile = os.environ.get("PIP_CERT") or os.environ.get("SSL_CERT_FILE")
    context = ssl.create_default_context(cafile=cafile)
    request = urllib.request.Request(f"https://pypi.org/pypi/{name}/json",
                                     headers={"Accept": "application/json",
                                              "User-Agent": "podfit-refresh"})
    with urllib.request.urlopen(request, timeout=60, context=context) as response:
        data: dict[str, Any] = json.load(response)
    return data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="comma-separated package names")
    args = parser.parse_args()
    table = json.loads(DATA.read_text())
    names = args.only.split(",") if args.only else list(table["packages"])
    for name in names:
        entry = table["packages"].setdefault(name, {})
        try:
            releases = fetch(name)["releases"]
        except OSError as exc:
            print(f"{name}: {exc}", file=sys.stderr)
            return 1
        entry["wheels"] = first_wheels(releases)
        summary = {libc: entry["wheels"][libc].get("3.12", "-") for libc in entry["wheels"]}
        print(f"{name}: first wheel for 3.12 {summary}", file=sys.stderr)
    table["pythons"] = list(PYTHONS)
    table["refreshed"] = time.strftime("%Y-%m-%d", time.gmtime())
    DATA.write_text(json.dumps(table, indent=1, sort_keys=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
