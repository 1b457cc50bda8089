"""``podfit init`` on the command line: idempotent, never overwrites unasked, clean errors."""

from __future__ import annotations

from pathlib import Path

from harness.images import run_podfit
from tests.generate.test_detect import make
from tests.generate.test_plan import FLASK


def test_rerun_is_idempotent_and_keeps_user_edits(tmp_path: Path) -> None:
    root = make(tmp_path, FLASK)
    first = run_podfit("init", root)
    assert first.returncode == 0, first.stderr
    assert "next steps:" in first.stderr
    assert "DOCKER_BUILDKIT=1 docker build" in first.stderr
    assert "kubectl apply -k deploy/k8s" in first.stderr
    assert (root / "Dockerfile").exists()
    assert (root / "deploy/k8s/deployment.yaml").exists()
    again = run_podfit("init", root)
    assert again.returncode == 0
    assert "wrote" not in again.stderr

    dockerfile = root / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text() + "# my edit\n")
    kept = run_podfit("init", root)
    assert kept.returncode == 1
    assert "kept   Dockerfile" in kept.stderr
    assert "--force" in kept.stderr
    assert "next steps:" not in kept.stderr  # incomplete: the hint comes first
    assert dockerfile.read_text().endswith("# my edit\n")

    diff = run_podfit("init", root, "--diff")
    assert diff.returncode == 0
    assert "-# my edit" in diff.stdout
    assert dockerfile.read_text().endswith("# my edit\n")

    forced = run_podfit("init", root, "--force")
    assert forced.returncode == 0
    assert "wrote  Dockerfile" in forced.stderr
    assert "# my edit" not in dockerfile.read_text()


def test_explain_prints_every_decision_with_a_reason(tmp_path: Path) -> None:
    done = run_podfit("init", make(tmp_path, FLASK), "--explain", "--diff")
    assert done.returncode == 0
    assert "server: gunicorn\n    why: " in done.stdout
    assert "web.hpa: 2-10 replicas" in done.stdout


def test_errors_are_one_line_with_a_hint(tmp_path: Path) -> None:
    empty = run_podfit("init", make(tmp_path / "a", {"notes.txt": "x"}))
    assert empty.returncode == 2
    assert empty.stderr.startswith("error: no dependency file")
    assert "hint: " in empty.stderr
    assert "Traceback" not in empty.stderr

    no_app = run_podfit("init", make(tmp_path / "b", {"requirements.txt": "flask\n"}))
    assert no_app.returncode == 2
    assert "--app" in no_app.stderr

    missing = run_podfit("init", make(tmp_path / "c", FLASK), "--from-profile",
                         str(tmp_path / "nope.json"))
    assert missing.returncode == 2
    assert "cannot read" in missing.stderr

    alpine = run_podfit("init", make(tmp_path / "d", {**FLASK, "requirements.txt":
                                                      "flask\nmysqlclient\n"}),
                        "--base", "alpine")
    assert alpine.returncode == 2
    assert "mysqlclient" in alpine.stderr


def test_app_flag_overrides_detection(tmp_path: Path) -> None:
    root = make(tmp_path, {"requirements.txt": "gunicorn\n", "svc.py": "x = 1\n"})
    done = run_podfit("init", root, "--app", "svc:make()", "--server", "gunicorn")
    assert done.returncode == 0, done.stderr
    assert '"svc:make()"' in (root / "Dockerfile").read_text()


def test_from_profile_sizes_the_manifests(tmp_path: Path) -> None:
    import json

    import yaml

    from tests.generate.test_plan import PROFILE

    profile = tmp_path / "profile.json"
    profile.write_text(json.dumps(PROFILE))
    root = make(tmp_path / "app", FLASK)
    done = run_podfit("init", root, "--from-profile", profile)
    assert done.returncode == 0, done.stderr
    deployment = yaml.safe_load((root / "deploy/k8s/deployment.yaml").read_text())
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["resources"]["requests"] == {"cpu": "750m", "memory": "300Mi"}
    env = {e["name"]: e["value"] for e in container["env"]}
    assert env["WEB_CONCURRENCY"] == "3"
    hpa = yaml.safe_load((root / "deploy/k8s/hpa.yaml").read_text())
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (3, 12)
    assert hpa["spec"]["behavior"]["scaleDown"]["stabilizationWindowSeconds"] == 600


def test_an_existing_dockerignore_is_merged_and_the_run_is_complete(tmp_path: Path) -> None:
    root = make(tmp_path, {**FLASK, ".dockerignore": "# ours\nnode_modules\n"})
    done = run_podfit("init", root)
    assert done.returncode == 0, done.stderr
    assert "merged .dockerignore" in done.stderr
    lines = (root / ".dockerignore").read_text().splitlines()
    assert lines[:2] == ["# ours", "node_modules"]  # the project's own lines stay first
    assert ".git" in lines
    assert "next steps:" in done.stderr
