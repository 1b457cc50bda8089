from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

QUOTES = ["Simple is better than complex.", "Readability counts."]


async def index(request: Request) -> JSONResponse:
    return JSONResponse({"quotes": len(QUOTES)})


async def quote(request: Request) -> JSONResponse:
    return JSONResponse({"quote": QUOTES[int(request.path_params["n"]) % len(QUOTES)]})


app = Starlette(routes=[Route("/", index), Route("/quotes/{n:int}", quote)])
