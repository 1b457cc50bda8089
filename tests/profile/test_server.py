"""How profile rewrites the user's server command for each configuration."""

from __future__ import annotations

import pytest

from podfit.profile.server import parse_command


@pytest.mark.parametrize(("argv", "workers", "threads", "expected"), [
    (["gunicorn", "app:app"], 2, 1,
     ["gunicorn", "app:app", "--workers", "2", "--bind", "127.0.0.1:9000",
      "--worker-class", "sync"]),
    (["gunicorn", "-w", "9", "-b", "0.0.0.0:80", "--threads=3", "app:app"], 3, 4,
     ["gunicorn", "app:app", "--workers", "3", "--bind", "127.0.0.1:9000",
      "--worker-class", "gthread", "--threads", "4"]),
    (["python", "-m", "gunicorn", "-w4", "--preload", "app:app"], 1, 1,
     ["python", "-m", "gunicorn", "--preload", "app:app", "--workers", "1", "--bind",
      "127.0.0.1:9000", "--worker-class", "sync"]),
    (["gunicorn", "-k", "uvicorn.workers.UvicornWorker", "app:app"], 2, 8,
     ["gunicorn", "app:app", "--workers", "2", "--bind", "127.0.0.1:9000",
      "--worker-class", "uvicorn.workers.UvicornWorker"]),
    (["uvicorn", "--host", "0.0.0.0", "--port", "80", "--workers=5", "app:app"], 2, 1,
     ["uvicorn", "app:app", "--workers", "2", "--host", "127.0.0.1", "--port", "9000"]),
    (["./serve", "--listen", ":{port}"], 3, 2, ["./serve", "--listen", ":9000"]),
])
def test_build(argv: list[str], workers: int, threads: int, expected: list[str]) -> None:
    built, env = parse_command(argv).build(workers, threads, "127.0.0.1", 9000)
    assert built == expected
    assert env == {"WEB_CONCURRENCY": str(workers), "PORT": "9000"}


def test_what_is_swept() -> None:
    gunicorn = parse_command(["gunicorn", "--preload", "app:app"])
    assert (gunicorn.sweeps_workers, gunicorn.sweeps_threads, gunicorn.preload) == (True, True,
                                                                                     True)
    asgi = parse_command(["gunicorn", "-k", "uvicorn.workers.UvicornWorker", "app:app"])
    assert (asgi.sweeps_workers, asgi.sweeps_threads) == (True, False)
    assert asgi.worker_class(4) == "uvicorn.workers.UvicornWorker"
    uvicorn = parse_command(["python3", "-m", "uvicorn", "app:app"])
    assert (uvicorn.kind, uvicorn.sweeps_threads, uvicorn.worker_class(1)) == ("uvicorn", False,
                                                                                "uvicorn")
    other = parse_command(["hypercorn", "app:app"])
    assert (other.kind, other.sweeps_workers) == ("hypercorn", False)
