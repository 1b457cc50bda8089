"""Commands podfit writes for servers without podfit.runtime (``--server uwsgi|hypercorn|
daphne``): bound to the port, stopped within the shutdown budget, with a request timeout.

Each command is complete on its own line (exec form, no shell), so ``podfit check`` and a
reader see every setting; uwsgi's process and thread counts come from the Deployment's
``UWSGI_PROCESSES``/``UWSGI_THREADS`` (uwsgi reads any option from ``UWSGI_<OPTION>``), so
``podfit profile`` can resize them without a new image.
"""

from __future__ import annotations

from podfit.core.errors import UsageError

#: What each server serves: uwsgi has no ASGI, daphne no WSGI; hypercorn serves both.
SERVES = {"uwsgi": ("wsgi",), "hypercorn": ("asgi", "wsgi"), "daphne": ("asgi",)}
#: A request running longer than this is stuck (gunicorn's ``timeout`` is 30 s too).
REQUEST_TIMEOUT = 30


def written_command(server: str, app_ref: str, kind: str, port: int,
                    graceful: int) -> tuple[tuple[str, ...], str]:
    """(argv, what it does for ``--explain``) for ``server`` running ``app_ref``."""
    if kind not in SERVES[server]:
        other = "gunicorn or uwsgi" if kind == "wsgi" else "uvicorn, hypercorn or daphne"
        raise UsageError(f"--server {server} cannot serve {kind.upper()} apps ({app_ref} is one)",
                         f"use {other}, or --server hypercorn (both)")
    if server == "uwsgi":
        return (
            "uwsgi", "--master", "--http-socket", f"0.0.0.0:{port}", "--module", app_ref,
            "--need-app", "--die-on-term",
            # uwsgi's documented graceful stop: SIGTERM lets workers finish their requests,
            # for at most worker-reload-mercy seconds (the shutdown budget's graceful part)
            "--hook-master-start", "unix_signal:15 gracefully_kill_them_all",
            "--worker-reload-mercy", str(graceful),
            "--harakiri", str(REQUEST_TIMEOUT), "--enable-threads",
        ), (f"HTTP on :{port}; --die-on-term (uwsgi 2.0 reloads on SIGTERM otherwise) and a "
            f"graceful stop of at most {graceful}s; --harakiri {REQUEST_TIMEOUT} kills a stuck "
            "request; --need-app exits when the app fails to import (a visible crash loop, "
            "not a pod serving 500s); processes and threads from UWSGI_PROCESSES/"
            "UWSGI_THREADS in the Deployment")
    if server == "hypercorn":
        return ("hypercorn", "--bind", f"0.0.0.0:{port}", "--graceful-timeout", str(graceful),
                app_ref), (f"bound to 0.0.0.0:{port}; on SIGTERM in-flight requests get "
                           f"{graceful}s (--graceful-timeout); one worker per pod: scale with "
                           "replicas")
    return ("daphne", "--bind", "0.0.0.0", "--port", str(port),
            "--application-close-timeout", str(graceful), app_ref), (
        f"bound to 0.0.0.0:{port}; daphne has no drain timeout of its own: on SIGTERM it stops "
        "at once, so the preStop sleep is what keeps new requests away, and "
        f"--application-close-timeout {graceful} bounds how long an app instance may run on "
        "after its client went away")
