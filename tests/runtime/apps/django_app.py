"""A one-file Django project for the adapter test."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.urls import path

settings.configure(
    DEBUG=False, ROOT_URLCONF=__name__, ALLOWED_HOSTS=["*"], SECRET_KEY="test-only",
    MIDDLEWARE=["podfit.runtime.integrations.django.RouteMiddleware"],
)


def item(request: HttpRequest, pk: int) -> JsonResponse:
    return JsonResponse({"pk": pk})


urlpatterns = [path("items/<int:pk>/", item)]

from podfit.runtime.integrations.django import (  # noqa: E402  # settings must come first
    get_asgi_application,
    get_wsgi_application,
)

application = get_wsgi_application()
asgi_application = get_asgi_application()
