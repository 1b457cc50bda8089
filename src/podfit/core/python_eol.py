"""When each CPython release stops getting security fixes: a dated table, for ``check`` (an
end-of-life base image) and ``init`` (which Python to pick).

Source: the CPython developer's guide, "Status of Python versions"
(devguide.python.org/versions), and each release's schedule PEP (373 for 2.7; 494, 537, 569,
596, 619, 664, 693, 719 and 745 for 3.6-3.14). Future dates are the planned end of the
five-year support window (October of the fifth year); a release whose date has passed is
end-of-life. Update the table when a new feature release comes out (one line).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

#: (major, minor) → last day of security support (inclusive), and the PEP that says so.
END_OF_LIFE: dict[tuple[int, int], tuple[dt.date, str]] = {
    (2, 7): (dt.date(2020, 1, 1), "PEP 373"),
    (3, 5): (dt.date(2020, 9, 30), "PEP 478"),
    (3, 6): (dt.date(2021, 12, 23), "PEP 494"),
    (3, 7): (dt.date(2023, 6, 27), "PEP 537"),
    (3, 8): (dt.date(2024, 10, 7), "PEP 569"),
    (3, 9): (dt.date(2025, 10, 31), "PEP 596"),
    (3, 10): (dt.date(2026, 10, 31), "PEP 619"),
    (3, 11): (dt.date(2027, 10, 31), "PEP 664"),
    (3, 12): (dt.date(2028, 10, 31), "PEP 693"),
    (3, 13): (dt.date(2029, 10, 31), "PEP 719"),
    (3, 14): (dt.date(2030, 10, 31), "PEP 745"),
}
#: Releases before this one that the table does not list (2.6, 3.0-3.4) are all long past
#: their end of life.
OLDEST_LISTED = (3, 5)


@dataclass(frozen=True)
class Support:
    version: tuple[int, int]
    end: dt.date | None  # None: older than the table (end-of-life for years)
    source: str

    @property
    def label(self) -> str:
        return f"{self.version[0]}.{self.version[1]}"


def support(version: tuple[int, int]) -> Support | None:
    """The support window of ``version``, or ``None`` for a release newer than the table."""
    if version in END_OF_LIFE:
        end, source = END_OF_LIFE[version]
        return Support(version, end, source)
    if version < OLDEST_LISTED:
        return Support(version, None, "devguide.python.org/versions")
    return None


def end_of_life(version: tuple[int, int], today: dt.date | None = None) -> Support | None:
    """The support record when ``version`` is past its end of life on ``today``, else None."""
    record = support(version)
    if record is None:
        return None
    today = today or dt.date.today()
    return record if record.end is None or record.end < today else None


def newest_supported(today: dt.date | None = None) -> tuple[int, int]:
    """The newest release in the table that is still supported (what to upgrade to)."""
    today = today or dt.date.today()
    return max(v for v, (end, _) in END_OF_LIFE.items() if end >= today)


_PY_TAG = re.compile(r"(?:^|[-_.])(?:python|py|cp)?(\d)\.?(\d{1,2})(?=$|[-_.a-z])")
_PYTHON_IMAGE = re.compile(r"(?:^|/)(python|pypy|uvicorn-gunicorn[\w-]*|uwsgi-nginx[\w-]*|"
                           r"meinheld-gunicorn[\w-]*|gunicorn[\w-]*|python-\w+)$")


def python_version_of_image(image: str) -> tuple[int, int] | None:
    """The CPython minor release a Python base image carries, read from its tag:
    ``python:3.8-slim`` → (3, 8); ``tiangolo/uwsgi-nginx-flask:python3.6`` → (3, 6).
    ``None`` when the image is not a known Python image or the tag names no minor version."""
    repo, _, tag = image.split("@", 1)[0].rpartition(":")
    if not repo or "/" in tag:
        return None
    if not _PYTHON_IMAGE.search(repo.lower()):
        return None
    if repo.lower().endswith(("/python", "python")) or repo.lower() == "python":
        match = re.match(r"^(\d)\.(\d{1,2})(?:$|[.\-])", tag)
        return (int(match.group(1)), int(match.group(2))) if match else None
    match = re.search(r"python(\d)\.(\d{1,2})", tag)
    return (int(match.group(1)), int(match.group(2))) if match else None
