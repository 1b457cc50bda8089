"""core/packages.py: names, the native table (one for check and init), requirements readers."""

from __future__ import annotations

from pathlib import Path

import pytest

from podfit.core import packages
from podfit.core.packages import (
    native_package,
    normalize_name,
    read_procfile,
    read_requirements,
    wheel_available,
)


@pytest.mark.parametrize(("raw", "name"), [
    ("Django", "django"), ("psycopg2_binary", "psycopg2-binary"),
    ("zope.interface", "zope-interface"),
    ("Foo__Bar--baz", "foo-bar-baz"), ("  ruamel.yaml ", "ruamel-yaml"),
])
def test_pep503_normalisation(raw: str, name: str) -> None:
    assert normalize_name(raw) == name


def test_one_entry_per_spelling_and_apt_data() -> None:
    entry = native_package("Psycopg2_Binary")
    assert entry is not None
    assert entry.name == "psycopg2-binary"
    assert "libpq-dev" in entry.build_packages
    assert "libpq5" in entry.source_runtime_packages
    assert native_package("flask") is None
    assert native_package("psycopg") is not None
    assert native_package("psycopg").runtime_packages == ("libpq5",)  # type: ignore[union-attr]


def test_wheels_are_version_aware() -> None:
    # psycopg2-binary 2.8.x predates CPython 3.11: no wheel, a source build with libpq-dev
    assert wheel_available("psycopg2-binary", "2.8.6", "3.11", "glibc") is False
    assert wheel_available("psycopg2-binary", "2.9.9", "3.11", "glibc") is True
    assert wheel_available("psycopg2-binary", None, "3.12", "musl") is True
    # numpy/pandas: musllinux wheels only for recent releases (check and init used to disagree)
    assert wheel_available("numpy", "1.21.0", "3.11", "musl") is False
    assert wheel_available("numpy", "2.1.0", "3.11", "musl") is True
    assert wheel_available("pandas", "2.2.3", "3.12", "glibc") is True
    # sdist-only packages never have wheels; unknown packages are unknown, not pure
    assert wheel_available("uwsgi", "2.0.28", "3.11", "glibc") is False
    assert wheel_available("psycopg2", None, "3.11", "glibc") is False
    assert wheel_available("flask", "3.0.0", "3.11", "glibc") is None
    assert wheel_available("psycopg2-binary", "2.9.9", "3.8", "glibc") is None
    entry = native_package("psycopg2-binary")
    assert entry is not None
    assert entry.needs_compiler("2.8.6", "3.11")
    with pytest.raises(ValueError, match="libc"):
        wheel_available("numpy", None, "3.11", "bionic")


def test_every_entry_was_refreshed() -> None:
    table = packages.native_packages()
    assert len(table) >= 30
    for entry in table.values():
        assert entry.checked_pythons, entry.name
        assert entry.why, entry.name


def test_requirements_follow_includes_and_constraints(tmp_path: Path) -> None:
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements.txt").write_text(
        "-r requirements/production.txt\n-c constraints.txt\n")
    (tmp_path / "requirements" / "production.txt").write_text(
        "-r base.txt\ngunicorn==23.0.0  # the server\n--requirement=../extra.txt\n")
    (tmp_path / "requirements" / "base.txt").write_text(
        "Django>=5.0,<6\npsycopg2-binary==2.8.6 \\\n    --hash=sha256:abc\n"
        "whitenoise[brotli]==6.7.0 ; python_version >= '3.9'\n-e ./vendored\n"
        "pkg @ https://example.com/pkg.whl\n-r missing.txt\n")
    (tmp_path / "extra.txt").write_text("requests\n")
    (tmp_path / "constraints.txt").write_text("urllib3==2.2.3\n")
    reqs = read_requirements(tmp_path / "requirements.txt")
    assert reqs.names() == ("django", "psycopg2-binary", "whitenoise", "gunicorn", "requests")
    psycopg = next(r for r in reqs.requirements if r.name == "psycopg2-binary")
    assert psycopg.pinned == "2.8.6"
    assert psycopg.line == 2
    assert psycopg.file == tmp_path / "requirements" / "base.txt"
    noise = next(r for r in reqs.requirements if r.name == "whitenoise")
    assert noise.extras == ("brotli",)
    assert "python_version" in noise.markers
    django = next(r for r in reqs.requirements if r.name == "django")
    assert django.specifier == ">=5.0,<6"
    assert django.pinned is None
    rel = [p.relative_to(tmp_path).as_posix() for p in reqs.files]
    assert rel == ["requirements.txt", "requirements/production.txt", "requirements/base.txt",
                   "extra.txt", "constraints.txt"]
    assert reqs.pinned("URLLIB3") == "2.2.3"
    assert [p.name for p in reqs.missing] == ["missing.txt"]


def test_include_cycles_stop(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("-r b.txt\nflask\n")
    (tmp_path / "b.txt").write_text("-r a.txt\n")
    assert read_requirements(tmp_path / "a.txt").names() == ("flask",)


def test_procfile(tmp_path: Path) -> None:
    (tmp_path / "Procfile").write_text(
        "# processes\nweb: uwsgi ./etc/uwsgi.ini\nworker:celery -A proj worker\n\nrelease: x\n")
    assert read_procfile(tmp_path / "Procfile") == {
        "web": "uwsgi ./etc/uwsgi.ini", "worker": "celery -A proj worker", "release": "x"}
    assert read_procfile(tmp_path / "nope") == {}
