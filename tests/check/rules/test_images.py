"""Fixtures for image rules (PF1xx): exact (path, line) expectations."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.check.helpers import hits


@pytest.mark.parametrize(("dockerfile", "expected"), [
    ("FROM python\n", [1]),
    ("FROM python:latest\n", [1]),
    ("FROM python:3\n", [1]),
    ("FROM python:3.12-slim AS build\nFROM build\n", []),
    ("ARG BASE=python:3.12.7-slim\nFROM ${BASE}\n", []),
    ("ARG BASE=python\nFROM $BASE\n", [2]),
    ("FROM python@sha256:" + "a" * 64 + "\n", []),
    ("FROM scratch\n", []),
    ("FROM registry.local:5000/team/python\n", [1]),
    ("FROM registry.local:5000/team/python:3.12.1\n", []),
])
def test_pf101_unpinned_base_image(tmp_path: Path, dockerfile: str, expected: list[int]) -> None:
    found = hits(tmp_path, {"Dockerfile": dockerfile}, "PF101")
    assert found == [("Dockerfile", line) for line in expected]
