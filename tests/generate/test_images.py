"""The images ``podfit init`` writes, built for real from a locally bootstrapped Debian base
(no registry is reachable), run under CPU and memory limits taken from the generated
Deployment, probed, served, and stopped with SIGTERM within the grace period."""

from __future__ import annotations

import hashlib
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness import images as engine
from podfit.core.units import parse_cpu, parse_memory
from tests.generate.conftest import INIT_EXAMPLES

pytestmark = [pytest.mark.real, pytest.mark.slow]
TOKEN = "podfit-secret-token-7f3a91"  # must never appear in an image layer


def _deployment(project: Path) -> dict[str, Any]:
    k8s = project / "deploy" / "k8s"
    path = k8s / "deployment.yaml"
    if not path.exists():
        path = k8s / "worker-deployment.yaml"
    doc: dict[str, Any] = yaml.safe_load(path.read_text())
    return doc


@pytest.fixture(scope="session")
def images(initialised: dict[str, Path], docker_daemon: None,
           tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Every example's image, built once per session with BuildKit (its cache mounts and
    layers persist in the private daemon across sessions). No wheel of podfit is copied in:
    the generated Dockerfile must build as a new user's would."""
    netrc = tmp_path_factory.mktemp("secrets") / "netrc"
    netrc.write_text(f"machine pypi.invalid login user password {TOKEN}\n")
    tags = {}
    for name, project in initialised.items():
        tag = f"localhost/podfit-example-{name}:test"
        engine.build(project, tag, secrets={"netrc": netrc})
        tags[name] = tag
    return tags


def _limits(doc: dict[str, Any]) -> tuple[float, str, dict[str, str], int]:
    pod = doc["spec"]["template"]["spec"]
    container = pod["containers"][0]
    resources = container["resources"]
    cpus = parse_cpu(resources["limits"].get("cpu") or resources["requests"]["cpu"])
    memory = f"{parse_memory(resources['limits']['memory']) // 2**20}m"
    env = {e["name"]: e["value"] for e in container.get("env", []) if "value" in e}
    return cpus, memory, env, int(pod["terminationGracePeriodSeconds"])


@pytest.mark.parametrize("name", [n for n in INIT_EXAMPLES if n != "celery-worker"])
def test_web_image_serves_and_stops_cleanly(images: dict[str, str],
                                            initialised: dict[str, Path], name: str) -> None:
    doc = _deployment(initialised[name])
    cpus, memory, env, grace = _limits(doc)
    prestop = int(doc["spec"]["template"]["spec"]["containers"][0]["lifecycle"]["preStop"]
                  ["exec"]["command"][1])
    box = engine.start(images[name], cpus=cpus, memory=memory, env=env, port=8000)
    try:
        box.wait_ready("/startupz")
        box.wait_ready("/readyz")
        assert box.get("/livez")[0] == 200
        status, body = box.get("/")
        assert status == 200, body
        if name == "django-poetry":  # the native dependency loads libpq5 in the final image
            status, body = box.get("/driver")
            assert status == 200, body
            assert b"psycopg2" in body, body
        assert box.get("/metrics")[0] == 200
        # the kubelet runs preStop before SIGTERM; docker stop sends SIGTERM at once
        elapsed, code = box.stop(grace - prestop)
        assert code == 0, box.logs()[-3000:]
        assert elapsed < grace - prestop
    finally:
        box.remove()


def test_celery_worker_starts_and_warm_shutdown_fits_grace(
        images: dict[str, str], initialised: dict[str, Path]) -> None:
    doc = _deployment(initialised["celery-worker"])
    cpus, memory, env, grace = _limits(doc)
    assert grace >= 120  # --task-time-limit 120 given to init
    box = engine.start(images["celery-worker"], cpus=cpus, memory=memory, env=env)
    try:
        box.wait_log("ready.")
        assert "concurrency: 1 (prefork)" in box.logs()
        elapsed, code = box.stop(grace)
        assert code == 0, box.logs()[-3000:]
        assert elapsed < 30
    finally:
        box.remove()


def _layer_files(tag: str, dest: Path) -> Iterator[tuple[str, bytes]]:
    """(path, content) of every regular file in every layer of ``tag``."""
    archive = engine.save(tag, dest / "image.tar")
    with tarfile.open(archive) as outer:
        for member in outer.getmembers():
            if not member.name.endswith(".tar"):
                continue
            handle = outer.extractfile(member)
            assert handle is not None
            with tarfile.open(fileobj=handle) as layer:
                for item in layer.getmembers():
                    content = layer.extractfile(item) if item.isfile() else None
                    yield item.name, content.read() if content else b""


def test_no_secret_reaches_a_layer(images: dict[str, str], tmp_path: Path) -> None:
    ca_digest = hashlib.sha256(engine.HOST_CA.read_bytes()).hexdigest()
    tag = images["flask-requirements"]
    seen = 0
    for name, data in _layer_files(tag, tmp_path):
        seen += 1
        assert not name.endswith((".netrc", "pip.conf")), name
        assert TOKEN.encode() not in data, name
        assert hashlib.sha256(data).hexdigest() != ca_digest, name
    assert seen > 1000  # the layers were really read
    for step in engine.history(tag):
        assert TOKEN not in str(step)


def test_final_image_has_no_build_tools_and_precompiled_bytecode(images: dict[str, str]) -> None:
    probe = ("import shutil, sys, pathlib, sysconfig;"
             "assert shutil.which('gcc') is None and shutil.which('pip') is None;"
             "assert not pathlib.Path('/root/.cache/pip').exists();"
             "assert list(pathlib.Path('/app/mysite/__pycache__').glob('*.pyc'));"
             "std = pathlib.Path(sysconfig.get_paths()['stdlib']);"
             "assert list((std / '__pycache__').glob('os.*.pyc'))")
    tag = images["django-poetry"]
    # as root, to see into /root; the image itself runs as 10001
    done = engine.run(["docker", "run", "--rm", "--read-only", "--user", "0", tag,
                       "python3", "-c", probe], check=False)
    assert done.returncode == 0, done.stderr
    user = engine.run(["docker", "image", "inspect", tag, "--format", "{{.Config.User}}"])
    assert user.stdout.strip() == "10001:10001"


def test_source_only_change_rebuilds_fast(images: dict[str, str],
                                          initialised: dict[str, Path]) -> None:
    project = initialised["flask-requirements"]
    app = project / "app.py"
    app.write_text(app.read_text() + "\n# touched by the rebuild test\n")
    seconds = engine.build(project, images["flask-requirements"])
    assert seconds < 20, seconds  # bench/bench_images.py measures the 3 s target, unloaded
