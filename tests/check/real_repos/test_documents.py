"""The build-evidence and uWSGI parsers on fixtures modelled on real repository layouts:
exact images, folders, Dockerfiles and lines."""

from __future__ import annotations

from pathlib import Path

from podfit.check.documents.build_lines import (
    build_args,
    parse_makefile_builds,
    parse_script_builds,
    parse_workflow_builds,
)
from podfit.check.documents.compose import is_compose, parse_compose
from podfit.check.documents.image_builds import image_basename, image_repository
from podfit.check.documents.kustomization import parse_kustomization
from podfit.check.documents.skaffold import parse_skaffold
from podfit.check.documents.uwsgi import (
    env_options,
    merged,
    parse_uwsgi_argv,
    parse_uwsgi_ini,
)

HERE = Path(__file__).parent


def _read(rel: str) -> str:
    return (HERE / rel).read_text(encoding="utf-8")


def test_compose_builds_and_third_party_images() -> None:
    compose = parse_compose("voting/docker-compose.yml", _read("voting/docker-compose.yml"))
    by_name = {s.name: s for s in compose.services}
    assert [(b.image, b.contexts, b.dockerfiles, b.line, b.service) for b in compose.builds] == [
        ("acme/voting-frontend", ("voting/vote",), ("voting/vote/Dockerfile",), 4, "vote"),
        ("acme/voting-results", ("voting/result",), ("voting/result/Dockerfile.prod",), 10,
         "result"),
        ("", ("voting/worker",), ("voting/worker/Dockerfile",), 15, "worker"),
    ]
    assert by_name["redis"].build is None
    assert by_name["redis"].image == "redis:alpine"
    assert by_name["vote"].command == ("python", "app.py")
    assert dict(by_name["db"].environment)["POSTGRES_PASSWORD"] == "postgres"
    assert is_compose("a/docker-compose.prod.yml")
    assert is_compose("compose.yaml")
    assert not is_compose("a/deploy.yaml")


def test_makefile_build_lines_expand_variables() -> None:
    builds = parse_makefile_builds("voting/Makefile", _read("voting/Makefile"))
    assert [(b.image, b.contexts, b.dockerfiles, b.line) for b in builds] == [
        ("ghcr.io/acme/voting-frontend:1.0", ("voting/vote",), ("voting/vote/Dockerfile",), 5),
        ("ghcr.io/acme/voting-results:1.0", ("voting/result",),
         ("voting/result/Dockerfile.prod",), 6),
    ]


def test_script_build_line_has_both_working_directories() -> None:
    builds = parse_script_builds("voting/scripts/build-worker.sh",
                                 _read("voting/scripts/build-worker.sh"))
    assert [(b.image, b.contexts, b.line) for b in builds] == [
        ("acme/voting-worker:dev", ("voting/scripts/worker", "voting/worker"), 5)]


def test_workflow_run_steps_and_build_push_action() -> None:
    builds = parse_workflow_builds("voting/.github/workflows/ci.yml",
                                   _read("voting/.github/workflows/ci.yml"))
    assert [(b.image, b.contexts, b.dockerfiles, b.line, b.source) for b in builds] == [
        ("ghcr.io/acme/voting-frontend:${{github.sha}}", ("voting/vote",),
         ("voting/vote/Dockerfile",), 13, "workflow"),
        ("ghcr.io/acme/voting-results:latest", ("voting/result",),
         ("voting/result/Dockerfile.prod",), 20, "workflow"),
        ("ghcr.io/acme/voting-results:${{github.sha}}", ("voting/result",),
         ("voting/result/Dockerfile.prod",), 20, "workflow"),
        ("acme/voting-worker", ("voting/worker",), ("voting/worker/Dockerfile",), 21,
         "workflow"),
    ]
    assert image_basename(builds[0].image) == "voting-frontend"


def test_build_args_forms() -> None:
    assert build_args(["docker", "build", "-tapp:1", "-fDockerfile.x", "."]) == (
        ["app:1"], "Dockerfile.x", ".")
    assert build_args(["sudo", "docker", "image", "build", "--tag=a", "--tag", "b", "ctx"]) == (
        ["a", "b"], None, "ctx")
    words = ["$(DOCKER)", "build", "-t", "a", "--target", "prod", "--no-cache", "app"]
    assert build_args(words) == (["a"], None, "app")
    assert build_args(["docker", "run", "-t", "a", "."]) is None
    assert build_args(["echo", "docker", "build"]) is None


def test_skaffold_artifacts_and_profiles() -> None:
    builds = parse_skaffold("microservices/skaffold.yaml", _read("microservices/skaffold.yaml"))
    assert [(b.image, b.contexts, b.dockerfiles, b.line) for b in builds] == [
        ("emailservice", ("microservices/src/emailservice",),
         ("microservices/src/emailservice/Dockerfile",), 8),
        ("frontend", ("microservices/src/frontend",),
         ("microservices/src/frontend/Dockerfile.web",), 10),
        ("loadgenerator", ("microservices/src/loadgenerator",),
         ("microservices/src/loadgenerator/Dockerfile",), 23),
    ]


def test_kustomize_images() -> None:
    k = parse_kustomization("microservices/kustomize/kustomization.yaml",
                            _read("microservices/kustomize/kustomization.yaml"))
    assert [(r.name, r.result, r.line) for r in k.images] == [
        ("emailservice", "us-docker.pkg.dev/acme/shop/emailservice:v0.10.1", 6),
        ("frontend", "frontend@sha256:24a0c4b4", 9),
    ]
    assert k.resources == ("../kubernetes-manifests",)


def test_image_repository() -> None:
    assert image_repository("localhost:5000/a/b:1@sha256:x") == "localhost:5000/a/b"
    assert image_repository("localhost:5000/a") == "localhost:5000/a"


def test_uwsgi_ini_section_aliases_and_lines() -> None:
    config = parse_uwsgi_ini("uwsgi_app/uwsgi.ini", _read("uwsgi_app/uwsgi.ini"))
    assert config.int_option("workers") == 16
    assert config.line_of("processes") == 5
    assert config.int_option("threads") == 2
    assert config.int_option("cheaper") == 2
    assert config.flag("die-on-term")
    assert config.line_of("die-on-term") == 8
    assert config.int_option("harakiri") == 30
    assert config.section_line == 2
    assert config.get("lazy-apps") is None


def test_uwsgi_argv_and_env_precedence() -> None:
    argv = parse_uwsgi_argv(["uwsgi", "--ini", "app.ini", "-p", "4", "--master",
                             "--die-on-term", "--http=:8000", "--threads", "8"])
    assert argv.get("ini") == "app.ini"
    assert argv.int_option("processes") == 4
    assert argv.flag("master")
    assert argv.flag("die-on-term")
    assert argv.get("http") == ":8000"
    env = env_options({"UWSGI_PROCESSES": "2", "UWSGI_HARAKIRI": "60", "PATH": "/bin"})
    effective = merged(env, parse_uwsgi_ini("u.ini", "[uwsgi]\nprocesses = 3\n"), argv)
    assert effective.int_option("processes") == 4
    assert effective.int_option("harakiri") == 60
    assert effective.options["harakiri"].origin == "env UWSGI_HARAKIRI"
