from django.http import JsonResponse


def index(request):
    return JsonResponse({"app": "django-poetry"})


def driver(request):
    # psycopg2 is compiled against libpq in the image's build stage and loads libpq5 at run time
    import psycopg2

    return JsonResponse({"psycopg2": psycopg2.__version__, "libpq": psycopg2.__libpq_version__})
