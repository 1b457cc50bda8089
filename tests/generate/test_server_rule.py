"""PF120 server-not-installed: the CMD runs a server no install step installs (exit 127)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.check.helpers import hits

HEAD = "FROM python:3.12.7-slim\nWORKDIR /app\nCOPY requirements.txt ./\n" \
       "RUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\n"


@pytest.mark.parametrize(("cmd", "requirements", "expected"), [
    ('CMD ["gunicorn", "app:app"]', "flask==3.1.0\n", [6]),
    ('CMD ["gunicorn", "app:app"]', "flask==3.1.0\ngunicorn==23.0.0\n", []),
    ('CMD ["uvicorn", "main:app"]', "fastapi==0.115.0\n", [6]),
    ('CMD ["uvicorn", "main:app"]', "fastapi==0.115.0\nuvicorn[standard]==0.32.0\n", []),
    ('CMD ["celery", "-A", "tasks", "worker"]', "redis==5.0.0\n", [6]),
    ('CMD ["python", "-m", "gunicorn", "app:app"]', "Flask==3.1.0\n", [6]),
    ('CMD ["python", "app.py"]', "flask==3.1.0\n", []),  # not a server package
    ('CMD ["gunicorn", "app:app"]', "-r base.txt\n", []),  # base.txt is not an input
])
def test_pf120_server_not_installed(tmp_path: Path, cmd: str, requirements: str,
                                    expected: list[int]) -> None:
    files = {"Dockerfile": HEAD + cmd + "\n", "requirements.txt": requirements}
    assert [line for path, line in hits(tmp_path, files, "PF120")
            if path == "Dockerfile"] == expected


def test_pf120_follows_includes_and_inline_installs(tmp_path: Path) -> None:
    files = {"Dockerfile": HEAD + 'CMD ["gunicorn", "app:app"]\n',
             "requirements.txt": "-r requirements/prod.txt\n",
             "requirements/prod.txt": "flask==3.1.0\ngunicorn==23.0.0\n"}
    assert hits(tmp_path / "a", files, "PF120") == []
    inline = {"Dockerfile": "FROM python:3.12.7-slim\nRUN pip install flask==3.1.0 "
                            "'gunicorn==23.0.0'\nCMD [\"gunicorn\", \"app:app\"]\n"}
    assert hits(tmp_path / "b", inline, "PF120") == []


def test_pf120_no_verdict_without_evidence(tmp_path: Path) -> None:
    # nothing installed with pip at all (a base image may carry the server), or an install
    # from a file inside the image: podfit cannot tell, so it says nothing
    assert hits(tmp_path / "a", {"Dockerfile": "FROM python:3.12.7-slim\n"
                                 "CMD [\"gunicorn\", \"app:app\"]\n"}, "PF120") == []
    exported = {"Dockerfile": "FROM python:3.12.7-slim\nCOPY poetry.lock ./\n"
                "RUN pip install -r /tmp/requirements.txt\nCMD [\"gunicorn\", \"app:app\"]\n"}
    assert hits(tmp_path / "b", exported, "PF120") == []
