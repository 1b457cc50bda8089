"""The ``examples/init-*`` apps, modelled on real-world layouts, and what proves each one
works once built: the request it must serve, the env the test supplies for placeholders."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class InitApp:
    name: str
    """examples/<name>"""
    project: str = ""
    """Where `podfit init` runs, inside the example (a workspace member); "" = the example."""
    request: tuple[str, str, bytes] = ("GET", "/", b"")
    """(method, path, bytes the answer must contain) of the real request."""
    env: dict[str, str] = field(default_factory=dict)
    """Real values for placeholders the test can fill (a broker the container can reach)."""
    headers: dict[str, str] = field(default_factory=dict)
    kinds: frozenset[str] = frozenset()
    """Kinds the manifests must contain beyond the usual ones."""

    @property
    def id(self) -> str:
        return self.name.removeprefix("init-")


APPS = (
    InitApp("init-flask-flit", request=("POST", "/visits", b'"visits":1')),
    InitApp("init-fastapi-settings", request=("GET", "/invoices/7", b'"number":7'),
            kinds=frozenset({"ConfigMap", "Secret"})),
    InitApp("init-django-split", request=("GET", "/", b"/static/stories/site."),
            env={"DJANGO_ALLOWED_HOSTS": "shop.example.com"},
            headers={"Host": "shop.example.com"}, kinds=frozenset({"Job", "Secret"})),
    InitApp("init-cms-uwsgi", request=("GET", "/upload/logo", b'"stored": "logo.txt"')),
    InitApp("init-uv-member", project="packages/api", request=("GET", "/orders/3", b'"order":3')),
    InitApp("init-pipenv", request=("GET", "/", b'"greeting":"hello"')),
    InitApp("init-poetry", request=("GET", "/quotes/1", b"Readability")),
    InitApp("init-piptools-psycopg2", request=("GET", "/driver", b'"psycopg2":"2.9.4')),
    InitApp("init-grpc-health", request=("GRPC", "/mail.Mailer/Send", b"queued:hello")),
    InitApp("init-celery-web", request=("GET", "/", b"tasks.render_report"),
            env={"CELERY_BROKER_URL": "memory://"}),
    InitApp("init-fastapi-src", request=("GET", "/items/pear", b'"count":5')),
    InitApp("init-dockerignore", request=("GET", "/echo/hi", b'"echo":"hi"')),
)
BY_ID = {app.id: app for app in APPS}
