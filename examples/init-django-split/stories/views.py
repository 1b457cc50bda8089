from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def front_page(request: HttpRequest) -> HttpResponse:
    return render(request, "stories/front.html", {"headline": "Local paper goes cloud"})


def story(request: HttpRequest, number: int) -> JsonResponse:
    return JsonResponse({"story": number})
