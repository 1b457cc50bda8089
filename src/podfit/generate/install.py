"""What the image installs beyond the app's dependencies: the chosen server (pinned) and
podfit.runtime with its metrics client, only when the CMD needs them."""

from __future__ import annotations

from typing import Any

from podfit import __version__
from podfit.generate.deps import NativeNeed, native_needs
from podfit.generate.detect import AppFacts

#: Servers podfit may run and the pinned release it installs when the app does not depend on
#: it (the release podfit.runtime's tests run against).
SERVER_PINS = {
    "gunicorn": "gunicorn==27.0.1",
    "uvicorn": "uvicorn==0.55.0",
    "uwsgi": "uwsgi==2.0.28",
    "daphne": "daphne==4.1.2",
    "hypercorn": "hypercorn==0.17.3",
}

METRICS_PIN = "prometheus-client==0.26.0"

#: Native packages that embed the interpreter (link libpython) when built from source.
LINKS_LIBPYTHON = ("uwsgi", "mod-wsgi")

#: Servers whose generated config or runner imports podfit.runtime.
RUNTIME_SERVERS = ("gunicorn", "uvicorn")



def pinned_native(facts: AppFacts, server: str, python: str) -> tuple[NativeNeed, ...]:
    """What the pinned server (installed because the app lacks it) needs to build: uwsgi
    ships no wheels, so the builder stage needs a compiler for it."""
    if server not in SERVER_PINS or server in facts.deps.packages:
        return ()
    name, version = SERVER_PINS[server].split("==")
    return native_needs({name: version}, python)



def server_install(facts: AppFacts, server: str,
                    decide: Any) -> tuple[bool, tuple[str, ...]]:
    """Whether podfit.runtime goes into the image, and the pinned packages to add."""
    have = set(facts.deps.packages)
    pins: list[str] = []
    if server in SERVER_PINS:
        if server in have:
            decide("server.install", f"{server} from the app's dependencies",
                   "the app's own lock or requirements already install it")
        else:
            pins.append(SERVER_PINS[server])
            decide("server.install", SERVER_PINS[server],
                   f"the CMD runs {server} but no dependency file names it: without it the "
                   "container exits 127; pinned to the release podfit is tested with")
    runtime = server in RUNTIME_SERVERS
    if runtime:
        if "prometheus-client" not in have:
            pins.append(METRICS_PIN)
        decide("runtime", f"podfit.runtime {__version__}, copied into .podfit/runtime/",
               "the generated server config imports it (workers from the pod's limits, probes, "
               "drain, metrics); init copies its standard-library-only source into the build "
               "context, so the build needs no index that has podfit")
    else:
        decide("runtime", "not in the image",
               f"the {server} command imports nothing from podfit")
    return runtime, tuple(pins)

