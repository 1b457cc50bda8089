"""Property tests of every ``check`` parser: whatever the input, the only way out is data or
the documented error paths (``InputError`` from a parser, ``FileError`` entries from the
engine) — never another exception."""

from __future__ import annotations

import contextlib
import os
import string

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from podfit.check.documents.dockerfile import parse_dockerfile
from podfit.check.documents.kubernetes import parse_kubernetes
from podfit.check.documents.python_config import (
    parse_dockerignore,
    parse_gunicorn_config,
    parse_procfile,
    parse_pyproject,
    parse_requirements,
    parse_shell_script,
)
from podfit.check.engine import run_check
from podfit.check.settings import CheckSettings
from podfit.core.errors import InputError
from podfit.core.servers import parse_cmd_args, parse_server_command
from podfit.core.yamlsrc import YamlTooLarge, load_documents

#: PODFIT_FUZZ_EXAMPLES=5000 for a long local run; CI keeps the default short.
FUZZ = settings(max_examples=int(os.environ.get("PODFIT_FUZZ_EXAMPLES", "150")), deadline=None,
                database=None,  # no .hypothesis/ folder in the work tree
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# Text biased towards the characters that matter to each syntax, so the parsers get past
# their first line more often than with uniform unicode.
_YAML_ALPHABET = st.sampled_from(list(":-[]{}&*!|>'\"#,? \n\t%@`") +
                                 list(string.ascii_letters + string.digits))
_YAML_TOKENS = st.sampled_from([
    "apiVersion: v1\n", "kind: Deployment\n", "kind: List\n", "items:\n", "- ", "  ", "\n",
    "metadata:\n", "  name: x\n", "spec:\n", "containers:\n", "---\n", "&a ", "*a", "<<: *a\n",
    "!!binary ", "!Ref ", "? ", "[", "]", "{", "}", ": ", "null", "0x1F", "1_000", "yes",
    "2001-12-14", ".nan", "'q'", '"\\u00e9"', "|\n", ">-\n", "# podfit: ignore[PF1]\n",
])
yaml_text = st.one_of(
    st.text(_YAML_ALPHABET, max_size=300),
    st.lists(_YAML_TOKENS, max_size=60).map("".join),
    st.text(max_size=200),
)

_DOCKER_TOKENS = st.sampled_from([
    "FROM ", "python:3.12-slim", " AS build", "RUN ", "CMD ", "ENTRYPOINT ", "ENV ", "ARG ",
    "COPY ", "--from=build ", "--chown=1000 ", "USER ", "WORKDIR ", "EXPOSE ", "HEALTHCHECK ",
    "ONBUILD ", "SHELL ", '["gunicorn", "-w", "4"]', "gunicorn -w $(nproc) app:app",
    "<<EOF\n", "EOF\n", "\\\n", "\n", "# syntax=docker/dockerfile:1\n", "A=1 ", "${X:-y}",
    '["', '"]', " && ", "sh -c ", "'", '"', "# escape=`\n", "`\n",
])
docker_text = st.one_of(
    st.lists(_DOCKER_TOKENS, max_size=40).map("".join),
    st.text(max_size=200),
)
argv = st.lists(st.one_of(
    st.sampled_from(["sh", "-c", "exec", "gunicorn", "uvicorn", "celery", "worker", "python",
                     "-m", "tini", "--", "uv", "run", "-w", "--workers", "4", "$(nproc)",
                     "--bind", ":8000", "-k", "uvicorn.workers.UvicornWorker", "--reload",
                     "flask", "manage.py", "runserver", "hypercorn", "fastapi", "dev",
                     "gunicorn -w 3 app:app", "exec gunicorn app:app && true", "'", '"']),
    st.text(max_size=20)), max_size=12)


@FUZZ
@given(yaml_text)
def test_yaml_loader_raises_only_yaml_errors(text: str) -> None:
    try:
        for doc in load_documents(text):
            assert doc.index >= 0
    except (yaml.YAMLError, YamlTooLarge):
        pass


@FUZZ
@given(yaml_text)
def test_parse_kubernetes_never_raises(text: str) -> None:
    parsed = parse_kubernetes("fuzz.yaml", text)
    for obj in parsed.objects:
        assert 1 <= obj.line <= obj.end_line
        assert isinstance(obj.kind, str)
        assert isinstance(obj.name, str)
    for error in parsed.errors:
        assert error.message


@FUZZ
@given(docker_text)
def test_parse_dockerfile_raises_only_input_error(text: str) -> None:
    try:
        doc = parse_dockerfile("Dockerfile", text)
    except InputError as exc:
        message = exc.message
        assert message.startswith("Dockerfile: ")
        return
    assert doc.stages
    for stage in doc.stages:
        doc.base_image(stage)
        doc.stage_env(stage)
        for ins in stage.instructions:
            ins.argv()


@FUZZ
@given(argv)
def test_parse_server_command_never_raises(args: list[str]) -> None:
    command = parse_server_command(args)
    if command is not None:
        assert command.kind
        command.uses_node_cpus("workers")
        command.int_option("workers")


@FUZZ
@given(st.text(max_size=200), st.sampled_from(["gunicorn", "uvicorn", "celery", "hypercorn"]))
def test_parse_cmd_args_never_raises(text: str, kind: str) -> None:
    assert isinstance(parse_cmd_args(text, kind), dict)


_PY_TOKENS = st.sampled_from([
    "workers = ", "multiprocessing.cpu_count() * 2 + 1", "import multiprocessing\n", "4", "\n",
    "bind = ", '"0.0.0.0:8000"', "threads: int = 2\n", "def f():\n    pass\n", "(", ")", "x",
    "cores = os.cpu_count()\n", "workers = cores\n", "'", "\\", "\x00", "[", "]", "*",
])
_TOML_TOKENS = st.sampled_from([
    "[project]\n", "dependencies = [", '"flask>=3"', ", ", "]\n", "[tool.poetry.dependencies]\n",
    'python = "^3.12"\n', 'django = {version = "5"}\n', "gunicorn = 1\n", "=", '"', "\n",
])


@FUZZ
@given(st.one_of(st.lists(_PY_TOKENS, max_size=30).map("".join), st.text(max_size=200)))
def test_parse_gunicorn_config_raises_only_input_error(text: str) -> None:
    try:
        config = parse_gunicorn_config("gunicorn.conf.py", text)
    except InputError:
        return
    assert all(s.line >= 1 for s in config.settings.values())


@FUZZ
@given(st.one_of(st.lists(_TOML_TOKENS, max_size=30).map("".join), st.text(max_size=200)))
def test_parse_pyproject_raises_only_input_error(text: str) -> None:
    with contextlib.suppress(InputError):
        parse_pyproject("pyproject.toml", text)


@FUZZ
@given(st.text(max_size=300))
def test_line_parsers_never_raise(text: str) -> None:
    parse_requirements("requirements.txt", text)
    parse_shell_script("entrypoint.sh", text)
    parse_procfile("Procfile", text)
    parse_dockerignore(".dockerignore", text).ignores("x")


NAMES = ["deploy.yaml", "Dockerfile", "gunicorn.conf.py", "requirements.txt", "entrypoint.sh",
         "Procfile", "pyproject.toml", ".dockerignore"]


@FUZZ
@given(st.dictionaries(st.sampled_from(NAMES),
                       st.one_of(st.binary(max_size=300),
                                 yaml_text.map(str.encode), docker_text.map(str.encode)),
                       min_size=1, max_size=4))
def test_engine_on_random_bytes_reports_errors_as_data(tmp_path_factory: pytest.TempPathFactory,
                                                       files: dict[str, bytes]) -> None:
    root = tmp_path_factory.mktemp("fuzz")
    for name, data in files.items():
        (root / name).write_bytes(data)
    result = run_check([str(root)], CheckSettings())
    crashed = [e for e in result.errors if e.path == "<podfit>" or "could not parse" in e.message]
    assert not crashed, crashed
    assert result.files_checked + len(result.errors) >= 1


@FUZZ
@given(st.binary(max_size=400), st.sampled_from([None, "Dockerfile", "k8s.yaml"]))
def test_engine_on_random_stdin(data: bytes, name: str | None) -> None:
    result = run_check(["-"], CheckSettings(), stdin=data, stdin_name=name)
    crashed = [e for e in result.errors if e.path == "<podfit>" or "could not parse" in e.message]
    assert not crashed, crashed
