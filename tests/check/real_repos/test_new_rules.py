"""New rules on fixtures modelled on real repositories: exact (path, line, code), and the
false-positive fixtures next to them (Node, one-off Jobs, placeholders, safe rollouts)."""

from __future__ import annotations

from pathlib import Path

import pytest

from podfit.check.engine import run_check
from podfit.check.settings import CheckSettings

HERE = Path(__file__).parent
ROOT = HERE.parent.parent.parent


def found(codes: str, *dirs: str) -> list[tuple[str, int, str]]:
    paths = [str((HERE / d).relative_to(ROOT)) for d in dirs]
    import os

    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        result = run_check(paths, CheckSettings(), select=tuple(codes.split(",")))
    finally:
        os.chdir(cwd)
    prefix = "tests/check/real_repos/"
    return sorted((f.path.removeprefix(prefix), f.line, f.code) for f in result.findings)


@pytest.mark.parametrize(("codes", "dirs", "expected"), [
    ("PF408,PF409", ("availability",), [
        ("availability/web.yaml", 11, "PF408"),  # replicas 1, maxUnavailable 1
        ("availability/web.yaml", 28, "PF409"),  # PDB maxUnavailable 1 over 1 replica
        ("availability/web.yaml", 40, "PF408"),  # 100% of the HPA's 2
        ("availability/web.yaml", 65, "PF409"),  # minAvailable: 0
    ]),
    ("PF812", ("secrets",), [
        ("secrets/deploy.yaml", 32, "PF812"),  # FLASK_DEBUG=1 (Python by name)
        ("secrets/deploy.yaml", 34, "PF812"),  # DEBUG=True on a Celery (Python) container
        # not: DEBUG=true on the Node frontend, FLASK_ENV in the one-off migrate Job
    ]),
    ("PF813", ("secrets",), [
        ("secrets/secrets.yaml", 8, "PF813"),  # base64 of real values
        ("secrets/secrets.yaml", 27, "PF813"),  # stringData SECRET_KEY
        # not: changeme / ${API_TOKEN} / <your-key-here> / base64 CHANGEME, nor a token Secret
    ]),
    ("PF814", ("secrets",), [
        ("secrets/deploy.yaml", 17, "PF814"),  # amqp://guest:guest@
        ("secrets/deploy.yaml", 19, "PF814"),  # postgres://django:…@
        ("secrets/deploy.yaml", 23, "PF814"),  # DJANGO_SECRET_KEY literal
        # not: $(REDIS_PASSWORD) in a URL, SECRET_KEY_FILE path, API_TOKEN=changeme, valueFrom
    ]),
    ("PF118,PF119", ("eol_app",), [
        ("eol_app/Dockerfile", 1, "PF118"),  # python:3.8-slim builder
        ("eol_app/Dockerfile", 5, "PF118"),  # tiangolo/uwsgi-nginx-flask:python3.6
        ("eol_app/requirements/base.txt", 2, "PF119"),  # flask, via -r -r
        ("eol_app/requirements/base.txt", 4, "PF119"),  # celery[redis]
    ]),
])
def test_rule_fixtures(codes: str, dirs: tuple[str, ...],
                       expected: list[tuple[str, int, str]]) -> None:
    assert found(codes, *dirs) == expected


def test_safe_layouts_are_silent() -> None:
    assert found("PF408,PF409,PF812,PF813,PF814,PF118,PF119", "voting", "microservices") == []


def test_alpine_native_dependencies_is_version_aware() -> None:
    # grpcio 1.76 and gevent 25.9 ship musllinux wheels for CPython 3.12: no finding there;
    # grpcio 1.50 (first 3.12 musllinux wheel: 1.59) and psycopg2 (sdist only) compile
    assert found("PF103", "alpine_grpc") == [("alpine_grpc/old/Dockerfile", 1, "PF103")]


def test_selects_no_pods_is_a_warning_and_silent_next_to_an_unparsed_file() -> None:
    settings = CheckSettings()
    alone = run_check([str(HERE / "incomplete" / "pods_elsewhere")], settings,
                      select=("PF601",))
    [finding] = alone.findings
    assert (finding.line, str(finding.severity)) == (7, "warning")
    assert "if the pods come from elsewhere" in finding.message
    broken = run_check([str(HERE / "incomplete" / "service.yaml"),
                        str(HERE / "incomplete" / "deployment.yaml")], settings,
                       select=("PF601",))
    assert len(broken.errors) == 1  # deployment.yaml: invalid YAML, reported once
    assert broken.findings == ()  # not a second, knock-on finding


def test_python_probe_rules_only_on_python_containers() -> None:
    # Go binary, .NET (linked Dockerfile), Node, nginx and an unknown runtime: silent;
    # the Python container with the same probes: reported
    assert found("PF511,PF512,PF513", "polyglot") == [
        ("polyglot/services.yaml", 128, "PF511"),
        ("polyglot/services.yaml", 128, "PF512"),
    ]
    assert found("PF511,PF512,PF513", "voting") == []  # result is Node, worker is .NET


def test_unbuffered_not_on_an_image_where_python_only_builds() -> None:
    assert found("PF701", "buildtime_python") == []
    assert found("PF701", "voting") == [("voting/vote/Dockerfile", 1, "PF701")]  # gunicorn


def test_floating_tags_and_the_projects_own_images() -> None:
    # python:3-slim floats; myproject-base:1 is built by the Makefile, myproject:1 runs with
    # imagePullPolicy: Never: both are the project's own images
    assert found("PF101", "local_image") == [("local_image/base/Dockerfile", 1, "PF101")]


def test_python_program_in_shell_form_entrypoint() -> None:
    assert found("PF540", "loadgen") == [("loadgen/Dockerfile", 6, "PF540")]  # locust
    assert found("PF540", "polyglot", "voting") == []  # exec form, or not Python


def test_dev_server_in_the_module_the_image_runs() -> None:
    # svc.py serves with app.run(debug=True); api's __main__ runs uvicorn with workers: fine
    assert found("PF548", "flask_dev") == [
        ("flask_dev/k8s.yaml", 15, "PF548"),  # the container's own command
        ("flask_dev/svc/Dockerfile", 6, "PF548"),
    ]


def test_base_images_that_size_workers_from_the_node() -> None:
    assert found("PF308", "tiangolo") == [
        ("tiangolo/api/Dockerfile", 2, "PF308"),  # gunicorn from cores, no WEB_CONCURRENCY
        ("tiangolo/k8s.yaml", 31, "PF308"),  # 16 uWSGI processes under 500m
        # not: web/ (ENV UWSGI_PROCESSES=2), the 'capped' container (MAX_WORKERS in its env)
    ]


def test_uwsgi_gets_the_cpu_and_shutdown_rules() -> None:
    # uwsgi_app/uwsgi.ini: 16 processes under 500m (die-on-term and harakiri are set);
    # uwsgi_cli: flags only, no --die-on-term
    assert found("PF309,PF549", "uwsgi_app", "uwsgi_cli") == [
        ("uwsgi_app/deploy/web.yaml", 15, "PF309"),
        ("uwsgi_cli/Dockerfile", 3, "PF549"),
    ]


def test_uwsgi_processes_against_the_memory_limit() -> None:
    # 16 processes + master at 60Mi each = 1020Mi under a 512Mi limit
    assert found("PF310", "uwsgi_app", "uwsgi_cli") == [("uwsgi_app/deploy/web.yaml", 15, "PF310")]


def test_uwsgi_graceful_drain_against_the_grace_period() -> None:
    # shop: preStop 5 + harakiri 60 (ini) + 3 > 30; admin: the hook on the command line and
    # no harakiri, so the 60 s worker mercy + 3 > 45; not: shop-canary (70 s), worker
    # (die-on-term only: killed at once), uwsgi_app (die-on-term, 30 s default)
    assert found("PF550", "uwsgi_graceful", "uwsgi_app", "uwsgi_cli") == [
        ("uwsgi_graceful/deploy/web.yaml", 15, "PF550"),
        ("uwsgi_graceful/deploy/web.yaml", 51, "PF550"),
    ]
    # the graceful hook answers SIGTERM as die-on-term does, and 'reports' names an ini file
    # that is not among the inputs (no verdict): no PF549 there
    assert found("PF549", "uwsgi_graceful") == []


def test_base_image_workers_against_the_memory_limit() -> None:
    # api: WEB_CONCURRENCY=4 (its Dockerfile) + master = 300Mi > 256Mi; tiny: at least 2
    # gunicorn workers + master = 180Mi > 128Mi; legacy: 16 uWSGI processes + master > 512Mi;
    # not: web (UWSGI_PROCESSES=2: 180Mi), own-command (PF307 judges it), capped (MAX_WORKERS=1)
    assert found("PF311", "tiangolo_memory", "tiangolo", "uwsgi_app") == [
        ("tiangolo/k8s.yaml", 32, "PF311"),
        ("tiangolo_memory/k8s.yaml", 16, "PF311"),
        ("tiangolo_memory/k8s.yaml", 37, "PF311"),
    ]


def test_debug_mode_env_from_config_maps() -> None:
    # envFrom (DJANGO_DEBUG on gunicorn), envFrom with prefix FLASK_ (ENV -> FLASK_ENV) and
    # configMapKeyRef (FLASK_DEBUG <- DEBUG, the same line once); not: the Node frontend's
    # DEBUG, nor dev/ (a sibling unit: its own app-config has DJANGO_DEBUG False)
    assert found("PF812", "configmap_env") == [
        ("configmap_env/prod/config.yaml", 8, "PF812"),
        ("configmap_env/prod/config.yaml", 16, "PF812"),
        ("configmap_env/prod/config.yaml", 17, "PF812"),
    ]
    assert found("PF812", "configmap_env/dev") == []


def test_base_image_formula_only_while_its_start_script_runs() -> None:
    # custom/ has a CMD of its own, own-command a container command: neither runs the
    # image's formula (PF308 and PF311 silent); tiny runs the image's start script
    assert found("PF308,PF311", "tiangolo_memory") == [
        ("tiangolo_memory/k8s.yaml", 16, "PF311"),
        ("tiangolo_memory/k8s.yaml", 36, "PF308"),
        ("tiangolo_memory/k8s.yaml", 37, "PF311"),
    ]
