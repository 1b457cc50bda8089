"""Twelve apps laid out like real public projects, through `podfit init` with no flags:
`podfit check` clean, Kustomize and Helm render and validate strictly, a BuildKit build on
the debootstrapped base, a read-only run under the Deployment's limits with the env it
needs, its probe answered, a real request served, SIGTERM exit 0 within the grace period."""

from __future__ import annotations

import shutil
import socket
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness import images as engine
from harness.images import EXAMPLES, run_podfit
from podfit.core.units import parse_cpu, parse_memory
from tests.generate.init_apps import APPS, BY_ID, InitApp
from tests.generate.test_examples import _binary, _documents, _run, _validate

IDS = [app.id for app in APPS]


@pytest.fixture(scope="session")
def init_projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every app copied and initialised with no flags (then --helm for the chart)."""
    base = tmp_path_factory.mktemp("init-apps")
    out = {}
    for app in APPS:
        target = base / app.name
        shutil.copytree(EXAMPLES / app.name, target,
                        ignore=shutil.ignore_patterns("__pycache__", ".venv", "deploy",
                                                      ".podfit"))
        project = target / app.project if app.project else target
        done = run_podfit("init", project)
        assert done.returncode == 0, f"{app.name}: {done.stdout}{done.stderr}"
        out[app.id] = project
    return out


@pytest.mark.parametrize("app_id", IDS)
def test_init_output_passes_check(init_projects: dict[str, Path], app_id: str) -> None:
    done = run_podfit("check", init_projects[app_id])
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.real
@pytest.mark.parametrize("app_id", IDS)
def test_kustomize_and_helm_render_and_validate(init_projects: dict[str, Path],
                                                app_id: str, tmp_path: Path) -> None:
    app = BY_ID[app_id]
    project = tmp_path / app.name  # the directory name is the app's name when nothing else is
    shutil.copytree(_context(init_projects[app_id], app), project)
    project = project / app.project if app.project else project
    kustomized = _documents(_run([_binary("kubectl"), "kustomize",
                                  str(project / "deploy" / "k8s")]))
    _validate(kustomized)
    kinds = {d["kind"] for d in kustomized}
    assert {"Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget"} <= kinds
    assert app.kinds <= kinds, kinds
    done = run_podfit("init", project, "--helm")
    assert done.returncode == 0, done.stderr
    helm = _binary("helm")
    chart = str(project / "deploy" / "chart")
    _run([helm, "lint", "--strict", chart])
    rendered = _documents(_run([helm, "template", "rel", chart]))
    _validate(rendered)
    assert {d["kind"] for d in rendered} >= {d["kind"] for d in kustomized} - {"ConfigMap"}


def _context(project: Path, app: InitApp) -> Path:
    return project.parents[app.project.count("/")] if app.project else project


@pytest.fixture(scope="session")
def init_images(init_projects: dict[str, Path], docker_daemon: None) -> dict[str, str]:
    """Each app built once per session with BuildKit, as the Dockerfile's own header says."""
    tags = {}
    for app in APPS:
        project = init_projects[app.id]
        tag = f"localhost/podfit-init-{app.id}:test"
        dockerfile = f"{app.project}/Dockerfile" if app.project else "Dockerfile"
        engine.build(_context(project, app), tag, dockerfile=dockerfile)
        tags[app.id] = tag
    return tags


def _objects(project: Path) -> dict[tuple[str, str], dict[str, Any]]:
    out = {}
    for path in sorted((project / "deploy" / "k8s").glob("*.yaml")):
        for doc in _documents(path.read_text()):
            if doc.get("kind") and doc["kind"] != "Kustomization":
                out[(doc["kind"], doc["metadata"]["name"])] = doc
    return out


def _pod(deployment: dict[str, Any], objects: dict[tuple[str, str], dict[str, Any]],
         app: InitApp) -> dict[str, Any]:
    """What `docker run` needs to run the container as the pod would."""
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    resources = container["resources"]
    env = {}
    for entry in container.get("env", []):
        if "value" in entry:
            env[entry["name"]] = entry["value"]
            continue
        source = entry["valueFrom"]
        ref = source.get("configMapKeyRef") or source["secretKeyRef"]
        kind = "ConfigMap" if "configMapKeyRef" in source else "Secret"
        data = objects[(kind, ref["name"])].get("data" if kind == "ConfigMap" else "stringData")
        env[entry["name"]] = data[ref["key"]]
    env.update({k: v for k, v in app.env.items() if k in env})
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    tmpfs = tuple(m["mountPath"] for m in container.get("volumeMounts", [])
                  if "emptyDir" in volumes[m["name"]]
                  and m["mountPath"] not in ("/tmp", "/run/prometheus"))
    prestop = container.get("lifecycle", {}).get("preStop", {}).get("exec", {})
    return {
        "cpus": parse_cpu(resources["limits"].get("cpu") or resources["requests"]["cpu"]),
        "memory": f"{parse_memory(resources['limits']['memory']) // 2**20}m",
        "env": env, "tmpfs": tmpfs, "args": container.get("args"),
        "grace": int(pod["terminationGracePeriodSeconds"]),
        "prestop": int(prestop["command"][1]) if prestop else 0,
        "port": (container.get("ports") or [{}])[0].get("containerPort"),
        "probe": container.get("readinessProbe"),
    }


def _probe_ok(box: engine.Container, probe: dict[str, Any]) -> bool:
    if "httpGet" in probe:  # the kubelet sends Host: <pod IP>, like this request
        return box.get(probe["httpGet"]["path"], timeout=1.0)[0] == 200
    if "tcpSocket" in probe:
        with socket.create_connection((box.host, int(box.port or 0)), timeout=1.0):
            return True
    if "grpc" in probe:
        done = engine.run(["docker", "exec", box.cid, "python", "/app/health_check.py",
                           f"localhost:{probe['grpc']['port']}"], check=False, timeout=30)
        return "SERVING" in done.stdout
    raise AssertionError(f"unknown probe {probe}")


def _request(box: engine.Container, app: InitApp, pod: dict[str, Any]) -> bytes:
    method, path, _ = app.request
    if method == "GRPC":
        done = engine.run(["docker", "exec", "-e", f"MAILER_TARGET=localhost:{pod['port']}",
                           box.cid, "python", "/app/email_client.py", "hello"], timeout=30)
        return done.stdout.encode()
    request = urllib.request.Request(box.url(path), method=method, headers=app.headers,
                                     data=b"" if method == "POST" else None)
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
        body: bytes = response.read()
        return body


@pytest.mark.real
@pytest.mark.slow
@pytest.mark.parametrize("app_id", IDS)
def test_image_serves_read_only_and_stops_on_sigterm(init_projects: dict[str, Path],
                                                     init_images: dict[str, str],
                                                     app_id: str) -> None:
    app = BY_ID[app_id]
    objects = _objects(init_projects[app_id])
    web = next(d for (kind, _), d in objects.items() if kind == "Deployment"
               and d["metadata"]["labels"]["app.kubernetes.io/component"] == "web")
    pod = _pod(web, objects, app)
    box = engine.start(init_images[app_id], cpus=pod["cpus"], memory=pod["memory"],
                       env=pod["env"], port=pod["port"], tmpfs=pod["tmpfs"],
                       command=pod["args"])
    try:
        box.wait(lambda: _probe_ok(box, pod["probe"]), "readiness probe", timeout=120)
        body = _request(box, app, pod)
        assert app.request[2] in body, body
        elapsed, code = box.stop(pod["grace"] - pod["prestop"])
        assert code == 0, box.logs()[-3000:]
        assert elapsed < pod["grace"] - pod["prestop"]
    finally:
        box.remove()


@pytest.mark.real
@pytest.mark.slow
def test_celery_worker_of_the_web_app_runs_and_stops(init_projects: dict[str, Path],
                                                     init_images: dict[str, str]) -> None:
    app = BY_ID["celery-web"]
    objects = _objects(init_projects[app.id])
    worker = next(d for (kind, _), d in objects.items() if kind == "Deployment"
                  and d["metadata"]["labels"]["app.kubernetes.io/component"] == "worker")
    pod = _pod(worker, objects, app)
    assert pod["args"][:3] == ["celery", "--app", "tasks:celery_app"]
    box = engine.start(init_images[app.id], cpus=pod["cpus"], memory=pod["memory"],
                       env=pod["env"], tmpfs=pod["tmpfs"], command=pod["args"])
    try:
        box.wait_log("ready.", timeout=120)
        start = time.monotonic()
        elapsed, code = box.stop(pod["grace"])
        assert code == 0, box.logs()[-3000:]
        assert elapsed <= time.monotonic() - start + 1
        assert elapsed < pod["grace"]
    finally:
        box.remove()


def test_every_app_has_its_example(init_projects: dict[str, Path]) -> None:
    assert len(APPS) >= 12
    for app in APPS:
        assert (EXAMPLES / app.name).is_dir(), app.name
    docs = yaml.safe_load((init_projects["grpc-health"] / "deploy/k8s/service.yaml").read_text())
    assert docs["spec"]["ports"][0]["appProtocol"] == "grpc"
