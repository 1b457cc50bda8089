"""The dated Python end-of-life table and floating-tag detection."""

from __future__ import annotations

import datetime as dt

import pytest

from podfit.core.image_tags import floating_tag, parse_image
from podfit.core.python_eol import end_of_life, newest_supported, python_version_of_image

DAY = dt.date(2026, 12, 4)


@pytest.mark.parametrize(("image", "version"), [
    ("python:3.8-slim", (3, 8)), ("python:2.7", (2, 7)), ("python:3.12.7-slim-bookworm", (3, 12)),
    ("docker.io/library/python:3.6-alpine", (3, 6)),
    ("tiangolo/uwsgi-nginx-flask:python3.6", (3, 6)),
    ("tiangolo/uvicorn-gunicorn-fastapi:python3.11-slim", (3, 11)),
    ("python:3-slim", None), ("node:18", None), ("python", None), ("python:slim", None),
])
def test_python_version_of_image(image: str, version: tuple[int, int] | None) -> None:
    assert python_version_of_image(image) == version


def test_end_of_life_is_dated() -> None:
    assert end_of_life((3, 8), DAY) is not None
    assert end_of_life((3, 10), DAY) is not None  # October 2026
    assert end_of_life((3, 10), dt.date(2026, 10, 1)) is None
    assert end_of_life((3, 12), DAY) is None
    old = end_of_life((3, 3), DAY)
    assert old is not None
    assert old.end is None
    assert end_of_life((3, 99), DAY) is None  # newer than the table: not ours to judge
    assert newest_supported(DAY) == (3, 14)


@pytest.mark.parametrize(("image", "floats"), [
    ("python", True), ("python:latest", True), ("python:3", True), ("python:3-slim", True),
    ("python:3-alpine", True), ("python:slim", True), ("python:slim-bookworm", True),
    ("node:18-bookworm", True), ("python:3.12-slim", False), ("python:3.12.7", False),
    ("python:3-slim@sha256:abc", False), ("python:${PY}", False), ("localhost:5000/app", True),
    ("localhost:5000/app:1.4.2", False),
])
def test_floating_tag(image: str, floats: bool) -> None:
    assert (floating_tag(image) is not None) is floats


def test_parse_image() -> None:
    ref = parse_image("ghcr.io/a/b:1@sha256:x")
    assert (ref.repository, ref.tag, ref.digest, ref.name) == ("ghcr.io/a/b", "1", "sha256:x",
                                                                "b")


@pytest.mark.parametrize(("value", "name", "placeholder"), [
    ("changeme", "", True), ("${DB_PASSWORD}", "", True), ("$(DB_PASSWORD)", "", True),
    ("<your-key-here>", "", True), ("INSERT_ETCD_INITIAL_CLUSTER_TOKEN", "", True),
    ("GOOGLE_API_KEY_VAL", "", True), ("HF_TOKEN", "HF_TOKEN", True), ("", "", True),
    ("your-api-key", "", True), ("s3cr3t-Pa55", "", False), ("migration", "", False),
    ("k8#9v!x2-very-secret", "", False),
])
def test_placeholders(value: str, name: str, placeholder: bool) -> None:
    from podfit.core.credentials import is_placeholder

    assert is_placeholder(value, name) is placeholder


def test_url_passwords() -> None:
    from podfit.core.credentials import url_password

    assert url_password("amqp://guest:guest@rabbitmq:5672//") == "guest"
    assert url_password("redis://:$(REDIS_PASSWORD)@redis:6379/0") is None
    assert url_password("postgres://app@db/app") is None
    assert url_password("https://example.com/a@b") is None
