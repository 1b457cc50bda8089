"""uvicorn (and any ASGI server) for pods: settings, and a runner with the SIGTERM drain.

``python -m podfit.runtime.uvicorn app:app`` or ``podfit.runtime.uvicorn.run(app)``: one
process per pod (scale with replicas; uvicorn's ``--workers`` spawns, so there is no
copy-on-write sharing), a bounded graceful shutdown, long keep-alive, JSON logs, probes on the
app port or on ``PODFIT_HEALTH_PORT``, and readiness 503 for ``PODFIT_DRAIN_SECONDS`` before
the listener closes. :func:`settings` gives the same figures to other ASGI servers.
"""

from __future__ import annotations

import argparse
import os
import signal
from collections.abc import Mapping
from types import FrameType
from typing import Any

from podfit.runtime.drain import Drainer, DrainSettings
from podfit.runtime.health import Health, HealthServer, get_health, health_port
from podfit.runtime.logs import dict_config


def settings(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.Config`` / ``uvicorn.run`` (other servers: same
    meaning — bounded graceful shutdown, keep-alive above the proxy's idle timeout)."""
    env = os.environ if environ is None else environ
    drain = DrainSettings.from_env(env)
    out: dict[str, Any] = {
        "host": env.get("HOST", "0.0.0.0"),
        "port": int(env.get("PORT", "8000")),
        "timeout_graceful_shutdown": int(drain.shutdown_timeout),
        "timeout_keep_alive": int(env.get("PODFIT_KEEPALIVE_SECONDS", "75")),
    }
    if env.get("PODFIT_JSON_LOGS", "1") != "0":
        out["log_config"] = dict_config()
    return out


def _wrap(app: Any, health: Health) -> Any:
    from podfit.runtime.middleware import ASGIMiddleware

    if os.environ.get("PODFIT_MIDDLEWARE", "1") == "0" or getattr(app, "podfit_wrapped", False):
        return app
    return ASGIMiddleware(app, health=health)


def make_server(app: Any, **overrides: Any) -> Any:
    """A ``uvicorn.Server`` whose first SIGTERM starts the drain instead of closing at once."""
    import uvicorn

    health = get_health()
    drain = DrainSettings.from_env()
    if isinstance(app, str):
        from uvicorn.importer import import_from_string

        app = import_from_string(app)
    config = uvicorn.Config(_wrap(app, health), **{**settings(), **overrides})

    class PodfitServer(uvicorn.Server):
        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            if sig == signal.SIGTERM and not drainer.stopping:
                drainer.begin()
                return
            super().handle_exit(sig, frame)

        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets)
            health.mark_ready()

    server = PodfitServer(config)

    def stop() -> None:
        server.should_exit = True  # the main loop notices within 0.1 s; exit status 0

    drainer = Drainer(stop, drain, health)
    return server


def run(app: Any, **overrides: Any) -> None:
    """Serve ``app`` (an ASGI app or ``"module:attr"``) until SIGTERM has drained."""
    from podfit.runtime import metrics

    if os.environ.get(metrics.MULTIPROC_ENV):
        metrics.prepare_multiprocess_dir()  # a user-set directory: make sure it exists, wipe it
    server = make_server(app, **overrides)
    port = health_port()
    probe_server = (HealthServer(port, metrics=metrics.render).start()
                    if port is not None else None)
    try:
        server.run()
    finally:
        if probe_server is not None:
            probe_server.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m podfit.runtime.uvicorn",
                                     description="Run an ASGI app with podfit's pod settings.")
    parser.add_argument("app", help="module:attribute of the ASGI app")
    parser.add_argument("--host")
    parser.add_argument("--port", type=int)
    args = parser.parse_args(argv)
    overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    run(args.app, **overrides)


if __name__ == "__main__":
    main()
