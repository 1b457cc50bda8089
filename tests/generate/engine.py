"""Build and run images with buildah/podman (runc, private containers.conf), for the image
tests and ``bench/bench_images.py``. Everything is real; nothing is mocked."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BASE_IMAGE = os.environ.get("PODFIT_BASE_IMAGE", "localhost/podfit-python:3.11-bookworm")
CACHE = Path(os.environ.get("PODFIT_CACHE", "/var/cache/podfit"))
HOST_CA = Path("/etc/ssl/certs/ca-certificates.crt")
CONTAINERS_CONF = """\
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
[engine]
runtime = "runc"
"""


def unavailable() -> str | None:
    """Why images cannot be built here, or ``None`` when they can."""
    if os.geteuid() != 0:
        return "image builds need root (rootless podman ignores cgroup v1 limits)"
    for binary in ("buildah", "podman", "runc"):
        if shutil.which(binary) is None:
            return f"{binary} is not installed (scripts/setup.d/40-images.sh installs it)"
    return None


def engine_env() -> dict[str, str]:
    conf = CACHE / "containers.conf"
    if not conf.exists():
        conf.parent.mkdir(parents=True, exist_ok=True)
        conf.write_text(CONTAINERS_CONF)
    return {**os.environ, "CONTAINERS_CONF": str(conf)}


def run(argv: list[str], *, timeout: float = 900, check: bool = True,
        cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(argv, capture_output=True, text=True, env=engine_env(), cwd=cwd,
                          timeout=timeout, check=False)
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:3])}… failed ({done.returncode}):\n"
                           f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


def ensure_base_image() -> None:
    if run(["podman", "image", "exists", BASE_IMAGE], check=False).returncode == 0:
        return
    run(["bash", str(ROOT / "scripts" / "base-image.sh")], timeout=900)


def podfit_wheel(dest: Path) -> Path:
    """A wheel of this checkout, for images built before podfit is on PyPI."""
    dest.mkdir(parents=True, exist_ok=True)
    wheels = list(dest.glob("podfit-*.whl"))
    if not wheels:
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                        str(ROOT), "-w", str(dest)],
                       check=True, capture_output=True, timeout=300)
        wheels = list(dest.glob("podfit-*.whl"))
    return wheels[0]


def build(context: Path, tag: str, *, dockerfile: str = "Dockerfile",
          secrets: dict[str, Path] | None = None) -> float:
    """Build ``context`` with buildah (BuildKit-compatible secrets and cache mounts)."""
    argv = ["buildah", "build", "--layers", "--isolation", "oci", "-f", dockerfile,
            "--build-arg", f"BASE_IMAGE={BASE_IMAGE}", "-t", tag]
    for sid, src in {"ca": HOST_CA, **(secrets or {})}.items():
        argv += ["--secret", f"id={sid},src={src}"]
    start = time.monotonic()
    run([*argv, str(context)])
    return time.monotonic() - start


def image_size(tag: str) -> int:
    out = run(["podman", "image", "inspect", tag, "--format", "{{.Size}}"]).stdout
    return int(out.strip())


@dataclass
class Container:
    cid: str
    port: int | None

    def logs(self) -> str:
        done = run(["podman", "logs", self.cid], check=False)
        return done.stdout + done.stderr

    def get(self, path: str, timeout: float = 2.0) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}",
                                        timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def wait_ready(self, path: str = "/readyz", timeout: float = 60.0) -> float:
        """Seconds until ``path`` answers 200 (measured from now)."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            try:
                if self.get(path, timeout=1.0)[0] == 200:
                    return time.monotonic() - start
            except OSError:
                pass
            time.sleep(0.05)
        raise TimeoutError(f"{path} not ready after {timeout}s:\n{self.logs()[-3000:]}")

    def wait_log(self, text: str, timeout: float = 60.0) -> float:
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if text in self.logs():
                return time.monotonic() - start
            time.sleep(0.2)
        raise TimeoutError(f"{text!r} not logged after {timeout}s:\n{self.logs()[-3000:]}")

    def stop(self, grace: int) -> tuple[float, int]:
        """SIGTERM, SIGKILL after ``grace`` s: (seconds to exit, exit code)."""
        start = time.monotonic()
        run(["podman", "stop", "--time", str(grace), self.cid], timeout=grace + 30)
        elapsed = time.monotonic() - start
        code = run(["podman", "inspect", self.cid, "--format", "{{.State.ExitCode}}"]).stdout
        return elapsed, int(code.strip())

    def remove(self) -> None:
        run(["podman", "rm", "--force", self.cid], check=False)


def start(tag: str, *, cpus: float, memory: str, env: dict[str, str] | None = None,
          port: int | None = None, host_port: int | None = None,
          read_only: bool = True) -> Container:
    argv = ["podman", "run", "--detach", "--cpus", str(cpus), "--memory", memory,
            "--memory-swap", memory]
    if read_only:  # as in the pod: readOnlyRootFilesystem with an emptyDir on /tmp
        argv += ["--read-only", "--tmpfs", "/tmp:rw,size=64m", "--tmpfs", "/run/prometheus"]
    for key, value in (env or {}).items():
        argv += ["--env", f"{key}={value}"]
    if port is not None:
        host = f"127.0.0.1:{host_port}" if host_port else "127.0.0.1:"
        argv += ["--publish", f"{host}:{port}"]
    cid = run([*argv, tag]).stdout.strip()
    bound = None
    if port is not None:
        out = run(["podman", "port", cid, f"{port}/tcp"]).stdout.strip().splitlines()[0]
        bound = int(out.rsplit(":", 1)[1])
    return Container(cid, bound)


def history(tag: str) -> list[dict[str, object]]:
    out = run(["podman", "history", "--no-trunc", "--format", "json", tag]).stdout
    data: list[dict[str, object]] = json.loads(out)
    return data
