"""The base image family: Debian slim by default, Alpine or distroless when asked and possible."""

from __future__ import annotations

from podfit.core.errors import UsageError
from podfit.generate.deps import NativeNeed
from podfit.generate.workload import Decision

BASES = ("slim", "alpine", "distroless")



def choose_base(plan_base: str, python: str, native: tuple[NativeNeed, ...],
          runtime_pkgs: tuple[str, ...], explicit: str | None) -> tuple[str, str, Decision]:
    if plan_base == "alpine":
        lacking = [n.name for n in native if not n.musl_wheels]
        if lacking:
            raise UsageError(
                "Alpine refused: " + ", ".join(lacking) + " publish no musl wheels",
                "they would compile from source on every build (or fail); use --base slim")
        image = explicit or f"python:{python}-alpine3.20"
        return image, image, Decision("base", image, "Alpine on request; every native dependency "
                                      "has musllinux wheels")
    if plan_base == "distroless":
        if python != "3.11":
            raise UsageError(f"distroless refused: its Python is Debian 12's 3.11, the project "
                             f"needs {python}", "use --base slim, or --python 3.11")
        if runtime_pkgs:
            raise UsageError("distroless refused: runtime libraries needed: "
                             + ", ".join(runtime_pkgs), "use --base slim")
        image = explicit or "gcr.io/distroless/python3-debian12:nonroot"
        return image, "debian:12-slim", Decision(
            "base", image, "distroless on request: no shell or package manager in the image; "
            "the venv is built on debian:12-slim so its interpreter path matches")
    image = explicit or f"python:{python}-slim-bookworm"
    return image, image, Decision(
        "base", image, "Debian slim: glibc, so manylinux wheels install without compiling; "
        "the same image builds and runs so the venv's interpreter path matches")

