"""A plain WSGI application (no framework), managed with Pipenv."""

import json
import os


def application(environ, start_response):
    body = json.dumps({"app": "pipenv-wsgi", "path": environ.get("PATH_INFO", "/"),
                       "pid": os.getpid()}).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body)))])
    return [body]
