from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, JsonResponse


def home(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"cms": "ok"})


def upload(request: HttpRequest, name: str) -> JsonResponse:
    """Stores a rendition under MEDIA_ROOT, as a CMS does with uploaded images."""
    folder = Path(settings.MEDIA_ROOT)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.txt"
    target.write_text(name)
    return JsonResponse({"stored": target.name})
