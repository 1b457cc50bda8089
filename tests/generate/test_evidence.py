"""Decisions from evidence: entrypoint, server install, runtime, configuration, writable paths,
Django, existing files. Fast (no builds); the end-to-end proof is test_init_examples.py."""

from __future__ import annotations

from pathlib import Path

import yaml

from harness.images import run_podfit
from podfit.generate import InitOptions, build_plan, detect, render
from podfit.generate.envvars import is_secret
from podfit.generate.nextsteps import next_steps
from tests.generate.test_detect import make

FLASK_APP = "from flask import Flask\napp = Flask(__name__)\n"


def _plan(root: Path, **options: object):  # type: ignore[no-untyped-def]
    return build_plan(detect(root), InitOptions(**options))  # type: ignore[arg-type]


def _decisions(plan) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {d.key: d.value for d in plan.decisions}


def test_missing_server_is_installed_pinned_and_runtime_vendored(tmp_path: Path) -> None:
    root = make(tmp_path, {"pyproject.toml": "[project]\nname='f'\nversion='1'\n"
                           "dependencies=['flask']\n", "f/__init__.py":
                           "from flask import Flask\ndef create_app():\n    return Flask('f')\n"})
    plan = _plan(root)
    assert any(p.startswith("gunicorn==") for p in plan.server_packages)
    files = render(plan)
    docker = files["Dockerfile"]
    assert "pip install 'gunicorn==" in docker
    assert "COPY .podfit/runtime/ /build/podfit-runtime/" in docker
    assert "podfit==" not in docker
    assert "wheels" not in docker
    assert ".podfit/runtime/podfit/runtime/gunicorn_conf.py" in files
    assert "!.podfit/runtime" in files[".dockerignore"]


def test_server_from_the_deps_is_not_installed_again(tmp_path: Path) -> None:
    plan = _plan(make(tmp_path, {"requirements.txt": "flask\ngunicorn==23.0.0\n",
                                 "app.py": FLASK_APP}))
    assert not any(p.startswith("gunicorn") for p in plan.server_packages)


def test_procfile_uwsgi_is_run_as_written_without_the_runtime(tmp_path: Path) -> None:
    root = make(tmp_path, {"requirements.txt": "django\nuwsgi\n",
                           "Procfile": "web: uwsgi ./etc/uwsgi.ini\n",
                           "etc/uwsgi.ini": "[uwsgi]\nhttp = :8080\nmodule = site.wsgi\n",
                           "app.py": FLASK_APP})
    plan = _plan(root)
    assert plan.server == "uwsgi"
    assert plan.web is not None
    assert plan.web.command == ("uwsgi", "./etc/uwsgi.ini", "--die-on-term", "--harakiri", "30")
    assert plan.web.port == 8080
    assert plan.web.probes["readiness"].kind == "tcp"
    assert not plan.runtime
    files = render(plan)
    assert not any(path.startswith(".podfit/") for path in files)
    assert "podfit.runtime is not in this image" in files["Dockerfile"]


def test_serving_script_wins_over_the_alphabetically_first(tmp_path: Path) -> None:
    root = make(tmp_path, {
        "requirements.txt": "grpcio\ngrpcio-health-checking\n",
        "email_client.py": "import grpc\nif __name__ == '__main__':\n    print(1)\n",
        "email_server.py": "import grpc, signal\n"
                           "from grpc_health.v1 import health_pb2_grpc\n"
                           "def serve():\n    s = grpc.server(None)\n"
                           "    health_pb2_grpc.add_HealthServicer_to_server(1, s)\n"
                           "    s.add_insecure_port('[::]:50052')\n    s.start()\n"
                           "    signal.signal(signal.SIGTERM, lambda *a: None)\n"
                           "if __name__ == '__main__':\n    serve()\n"})
    plan = _plan(root)
    assert plan.web is not None
    assert plan.web.command == ("python", "email_server.py")
    assert (plan.web.port, plan.web.protocol) == (50052, "grpc")
    assert plan.web.probes["liveness"].kind == "grpc"
    objects = {name: yaml.safe_load(text) for name, text in render(plan).items()
               if name.startswith("deploy/k8s/") and name.endswith(".yaml")}
    service = objects["deploy/k8s/service.yaml"]["spec"]["ports"][0]
    assert service["appProtocol"] == "grpc"
    container = objects["deploy/k8s/deployment.yaml"]["spec"]["template"]["spec"][
        "containers"][0]
    assert container["readinessProbe"]["grpc"] == {"port": 50052}
    # --server python --app names the other script: the CMD follows (and --explain says so)
    forced = _plan(root, server="python", app="email_client")
    assert forced.worker is not None or forced.web is not None
    wl = forced.web or forced.worker
    assert wl is not None
    assert wl.command == ("python", "-m", "email_client")


def test_required_env_vars_go_to_configmap_and_secret(tmp_path: Path) -> None:
    root = make(tmp_path, {
        "requirements.txt": "flask\npydantic-settings\n", "app.py": FLASK_APP,
        "conf.py": "import os\nDB = os.environ['DATABASE_URL']\n"
                   "KEY = os.getenv('API_TOKEN')\nOPT = os.getenv('OPTIONAL', 'x')\n"
                   "if os.getenv('GUARDED'):\n    pass\n"
                   "from pydantic_settings import BaseSettings, SettingsConfigDict\n"
                   "class S(BaseSettings):\n"
                   "    model_config = SettingsConfigDict(env_prefix='SHOP_')\n"
                   "    region: str\n    timeout: int = 3\n",
        ".env.example": "LOG_LEVEL=info\nCACHE_URL=redis://cache:6379/0\n"})
    plan = _plan(root)
    env = {v.name: v for v in plan.config.env}
    assert set(env) == {"DATABASE_URL", "API_TOKEN", "SHOP_REGION", "LOG_LEVEL", "CACHE_URL"}
    assert env["DATABASE_URL"].secret
    assert env["API_TOKEN"].secret
    assert not env["CACHE_URL"].secret  # the example shows no credentials
    files = render(plan)
    config = yaml.safe_load(files["deploy/k8s/configmap.yaml"])
    assert config["data"]["LOG_LEVEL"] == "info"
    secret = yaml.safe_load(files["deploy/k8s/secret.yaml"])
    assert set(secret["stringData"]) == {"DATABASE_URL", "API_TOKEN"}
    assert "API_TOKEN" in " ".join(next_steps(plan))


def test_secret_names() -> None:
    assert is_secret("DJANGO_SECRET_KEY")
    assert is_secret("DATABASE_URL")
    assert is_secret("BROKER_URL", "amqp://user:pw@rabbit//")
    assert not is_secret("BROKER_URL", "amqp://rabbit//")
    assert not is_secret("LOG_LEVEL")


def test_writable_paths_get_an_emptydir_or_a_warning(tmp_path: Path) -> None:
    root = make(tmp_path, {
        "requirements.txt": "flask\n",
        "app.py": "from flask import Flask\napp = Flask(__name__, instance_relative_config=True)"
                  "\nUPLOAD_FOLDER = 'uploads'\n",
        "settings.py": "BASE_DIR = 1\nDB = BASE_DIR / 'db.sqlite3'\n"})
    plan = _plan(root)
    assert {w.path for w in plan.config.writable} == {"instance", "uploads"}
    assert any("db.sqlite3" in w for w in plan.config.warnings)
    deployment = yaml.safe_load(render(plan)["deploy/k8s/deployment.yaml"])
    mounts = deployment["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]
    assert {"/app/instance", "/app/uploads"} <= {m["mountPath"] for m in mounts}


def test_django_production_settings_collectstatic_and_migrations(tmp_path: Path) -> None:
    root = make(tmp_path, {
        "requirements.txt": "-r requirements/base.txt\n",
        "requirements/base.txt": "django\ngunicorn\n",
        "manage.py": "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site1.settings.dev')\n",
        "site1/__init__.py": "", "site1/settings/__init__.py": "",
        "site1/settings/base.py": "INSTALLED_APPS = ['django.contrib.staticfiles']\n"
                                  "STATIC_ROOT = 'static'\n",
        "site1/settings/dev.py": "DEBUG = True\n",
        "site1/settings/production.py": "import os\nSECRET_KEY = os.environ['SECRET_KEY']\n",
        "site1/wsgi.py": "from django.core.wsgi import get_wsgi_application\n"
                         "application = get_wsgi_application()\n",
        "blog/__init__.py": "", "blog/migrations/__init__.py": "",
        "blog/migrations/0001_initial.py": "x = 1\n"})
    plan = _plan(root)
    assert plan.config.django is not None
    assert plan.config.django.settings == "site1.settings.production"
    files = render(plan)
    docker = files["Dockerfile"]
    assert "ENV DJANGO_SETTINGS_MODULE=site1.settings.production" in docker
    assert "manage.py collectstatic --noinput" in docker
    assert "SECRET_KEY=build-only-placeholder" in docker
    assert "COPY requirements/base.txt ./requirements/" in docker
    job = yaml.safe_load(files["deploy/k8s/migrate-job.yaml"])
    assert job["spec"]["template"]["spec"]["containers"][0]["args"][-2:] == [
        "migrate", "--noinput"]
    assert "migrate-job.yaml" in yaml.safe_load(files["deploy/k8s/kustomization.yaml"])[
        "resources"]


def test_existing_dockerignore_is_merged_and_init_exits_0(tmp_path: Path) -> None:
    root = make(tmp_path, {"requirements.txt": "flask\ngunicorn\n", "app.py": FLASK_APP,
                           ".dockerignore": "*.txt\nnotes/\n"})
    done = run_podfit("init", root)
    assert done.returncode == 0, done.stderr
    text = (root / ".dockerignore").read_text()
    assert text.startswith("*.txt\nnotes/\n")
    assert ".git" in text.splitlines()
    assert "!requirements.txt" in text.splitlines()
    again = run_podfit("init", root)
    assert again.returncode == 0
    assert "wrote" not in again.stderr
    assert (root / ".dockerignore").read_text() == text


def test_next_steps_name_the_build_the_values_and_the_apply(tmp_path: Path) -> None:
    plan = _plan(make(tmp_path, {"requirements.txt": "flask\n", "app.py": FLASK_APP}),
                 helm=True)
    steps = "\n".join(next_steps(plan))
    assert "DOCKER_BUILDKIT=1 docker build" in steps
    assert "--secret id=ca" in steps
    assert "kubectl apply -k deploy/k8s" in steps
    assert "helm install" in steps


def test_procfile_worker_of_any_command_gets_its_deployment(tmp_path: Path) -> None:
    root = make(tmp_path, {"requirements.txt": "flask\ngunicorn\nrq\n", "app.py": FLASK_APP,
                           "Procfile": "web: gunicorn app:app\nworker: rq worker default\n"})
    plan = _plan(root)
    assert plan.web is not None
    assert plan.worker is not None
    assert plan.worker.command == ("rq", "worker", "default")
    deployment = yaml.safe_load(render(plan)["deploy/k8s/worker-deployment.yaml"])
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["args"] == ["rq", "worker", "default"]
