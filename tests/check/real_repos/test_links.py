"""Image <-> Dockerfile links from the repository's own build evidence: compose, Makefile,
workflow and script build lines, skaffold, Kustomize renames; the only-Dockerfile fallback
only when nothing contradicts it."""

from __future__ import annotations

from pathlib import Path

import pytest

from podfit.check.documents.dockerfile import parse_dockerfile
from podfit.check.documents.image_builds import ImageBuild, ImageRename
from podfit.check.engine import build_project, collect
from podfit.check.model.image_links import Evidence, link_image
from podfit.check.settings import CheckSettings
from tests.check.real_repos.test_new_rules import found

HERE = Path(__file__).parent


def _links(directory: str) -> dict[str, tuple[str, str] | None]:
    settings = CheckSettings()
    sources, _, contexts = collect([str(HERE / directory)], settings)
    model, _ = build_project(sources, settings, contexts)
    out: dict[str, tuple[str, str] | None] = {}
    for workload in model.app_containers:
        link = model.files.link_for_image(str(workload.container["image"]), workload.obj.path)
        out[workload.obj.ref] = None if link is None else (
            link.dockerfile.removeprefix(str(HERE) + "/"),
            link.evidence.removeprefix(str(HERE) + "/"))
    return out


def test_voting_app_images_link_through_build_evidence() -> None:
    assert _links("voting") == {
        # image named after the product, folder after the role: Makefile -t … vote
        "Deployment/vote": ("voting/vote/Dockerfile", "voting/Makefile:5 (build-line)"),
        "Deployment/result": ("voting/result/Dockerfile.prod", "voting/Makefile:6 (build-line)"),
        # compose names an unnamed build after its service: examplevotingapp_worker <- worker
        "Deployment/worker": ("voting/worker/Dockerfile",
                              "voting/docker-compose.yml:15 (compose)"),
        "Deployment/db": None,
    }


def test_linked_gunicorn_gets_the_shutdown_and_worker_rules() -> None:
    assert found("PF301,PF545", "voting") == [
        ("voting/k8s/vote.yaml", 15, "PF545"),  # gunicorn behind a Service, no preStop
        ("voting/k8s/vote.yaml", 18, "PF301"),  # 4 workers on a 250m request
    ]


def _doc(path: str) -> object:
    return parse_dockerfile(path, "FROM python:3.12-slim\nCMD [\"gunicorn\", \"app:app\"]\n")


@pytest.mark.parametrize(("image", "expected"), [
    ("ghcr.io/acme/shop:1", "app/Dockerfile"),  # same namespace as what the repo builds
    ("bitnami/redis:7", None),  # another project: not the repo's only Dockerfile
    ("rabbitmq:3", None),  # compose pulls it
])
def test_only_dockerfile_fallback_unless_contradicted(image: str, expected: str | None) -> None:
    evidence = Evidence.of([ImageBuild("ghcr.io/acme/api:1", ("svc",), ("svc/Dockerfile",),
                                       "Makefile", 3, "build-line")],
                           pulled=["rabbitmq:3"])
    link = link_image(image, [_doc("app/Dockerfile")], evidence, {}, frozenset())  # type: ignore[list-item]
    assert (link.dockerfile if link else None) == expected


def test_kustomize_rename_and_skaffold_artifact() -> None:
    evidence = Evidence.of(
        [ImageBuild("emailservice", ("src/emailservice",), ("src/emailservice/Dockerfile",),
                    "skaffold.yaml", 8, "skaffold")],
        [ImageRename("emailservice", "us-docker.pkg.dev/acme/shop/emailservice", "v1", "",
                     "kustomization.yaml", 6)])
    docs = [_doc("src/emailservice/Dockerfile"), _doc("src/frontend/Dockerfile")]
    link = link_image("us-docker.pkg.dev/acme/shop/emailservice:v1", docs, evidence,  # type: ignore[arg-type]
                      {}, frozenset())
    assert link is not None
    assert (link.dockerfile, link.evidence) == ("src/emailservice/Dockerfile",
                                                "skaffold.yaml:8 (skaffold)")


def test_show_links_prints_the_table() -> None:
    from tests.check.cli_support import podfit

    run = podfit("check", "--show-links", "--select", "PF545", "--output-format", "concise",
                 "voting", cwd=HERE)
    lines = run.stdout.splitlines()
    start = lines.index("image links (3):")
    assert lines[start + 2] == (
        "  voting/k8s/vote.yaml:15 Deployment/vote: image ghcr.io/acme/voting-frontend:1.0 "
        "is built from voting/vote/Dockerfile (voting/Makefile:5 (build-line))")


def _linked(codes: str, *dirs: str) -> list[tuple[str, int, str, tuple[str, ...]]]:
    import os

    from podfit.check.engine import run_check

    root = HERE.parent.parent.parent
    cwd = os.getcwd()
    os.chdir(root)
    try:
        result = run_check([str((HERE / d).relative_to(root)) for d in dirs], CheckSettings(),
                           select=tuple(codes.split(",")))
    finally:
        os.chdir(cwd)
    prefix = "tests/check/real_repos/"
    return sorted((f.path.removeprefix(prefix), f.line, f.code,
                   tuple(link.image for link in f.links)) for f in result.findings)


def test_every_finding_resting_on_a_link_carries_it() -> None:
    # PF805 (security) reads the linked Dockerfile's USER; PF308 in the Dockerfile names the
    # containers that run the image; in a pod of two linked containers each finding carries
    # its own container's link only
    assert ("voting/k8s/worker.yaml", 15, "PF805",
            ("dockersamples/examplevotingapp_worker",)) in _linked("PF805", "voting")
    assert _linked("PF308", "tiangolo") == [
        ("tiangolo/api/Dockerfile", 2, "PF308", ("ghcr.io/acme/api:2.0",)),
        ("tiangolo/k8s.yaml", 31, "PF308", ()),  # a pulled base image: no link to rest on
    ]
    assert [f for f in _linked("PF311,PF805", "tiangolo_memory") if f[0].endswith("k8s.yaml")
            and f[1] in (14, 16, 18)] == [
        ("tiangolo_memory/k8s.yaml", 14, "PF805", ("ghcr.io/acme/api:1.2",)),
        ("tiangolo_memory/k8s.yaml", 16, "PF311", ("ghcr.io/acme/api:1.2",)),
        ("tiangolo_memory/k8s.yaml", 18, "PF805", ("ghcr.io/acme/web:1.2",)),
    ]


def test_findings_without_links_keep_the_json_shape() -> None:
    import json

    from podfit.check.engine import run_check
    from podfit.report.findings import render_json

    result = run_check([str(HERE / "secrets")], CheckSettings(), select=("PF814",))
    findings = json.loads(render_json(result))["findings"]
    assert findings
    assert all(list(f) == ["code", "name", "severity", "path", "line", "column", "message",
                           "fix"] for f in findings)
