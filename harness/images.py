"""Build and run images with BuildKit (Debian's docker.io daemon, started privately by
scripts/docker-daemon.sh), for the image tests and ``bench/bench_images.py``. Everything is
real; nothing is mocked."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASE_IMAGE = os.environ.get("PODFIT_BASE_IMAGE", "localhost/podfit-python:3.11-bookworm")
HOST_CA = Path("/etc/ssl/certs/ca-certificates.crt")
#: Debian's client: the preinstalled /usr/local/bin/docker has no buildx, and BuildKit with
#: DOCKER_BUILDKIT=1 needs a client that has it built in.
DOCKER = "/usr/bin/docker"
DAEMON_SCRIPT = ROOT / "scripts" / "docker-daemon.sh"
SOCKET = Path(os.environ.get("PODFIT_DOCKER_RUN", "/run/podfit-docker")) / "docker.sock"


EXAMPLES = ROOT / "examples"


def run_podfit(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The real CLI in a subprocess, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "podfit", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, check=False, timeout=300)


def copy_example(name: str, dest: Path) -> Path:
    """A clean copy of ``examples/NAME`` (no caches, no earlier init output) under ``dest``."""
    target = dest / name
    shutil.copytree(EXAMPLES / name, target,
                    ignore=shutil.ignore_patterns("__pycache__", ".venv", "deploy", "wheels",
                                                  ".podfit"))
    return target


def unavailable() -> str | None:
    """Why images cannot be built here, or ``None`` when they can."""
    if os.geteuid() != 0:
        return "image builds need root (a private dockerd and cgroup v1 limits)"
    for binary in (DOCKER, "/usr/sbin/dockerd"):
        if not Path(binary).exists():
            return f"{binary} is missing (scripts/setup.d/45-docker.sh installs docker.io)"
    return None


def engine_env() -> dict[str, str]:
    return {**os.environ, "DOCKER_HOST": f"unix://{SOCKET}", "DOCKER_BUILDKIT": "1",
            "BUILDKIT_PROGRESS": "plain"}


def run(argv: list[str], *, timeout: float = 900, check: bool = True,
        cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    if argv and argv[0] == "docker":
        argv = [DOCKER, *argv[1:]]
    done = subprocess.run(argv, capture_output=True, text=True, env=engine_env(), cwd=cwd,
                          timeout=timeout, check=False)
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:3])}… failed ({done.returncode}):\n"
                           f"{done.stdout[-3000:]}\n{done.stderr[-4000:]}")
    return done


def start_daemon() -> int | None:
    """Start the private dockerd unless it runs; the PID to stop, or ``None`` (not ours)."""
    out = run(["bash", str(DAEMON_SCRIPT), "start"], timeout=900).stdout.split()
    return int(out[1]) if out and out[0] == "started" else None


def stop_daemon(pid: int) -> None:
    """SIGTERM the dockerd this session started (by PID), and wait for it."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)


def build(context: Path, tag: str, *, dockerfile: str = "Dockerfile",
          secrets: dict[str, Path] | None = None, no_cache: bool = False) -> float:
    """``docker build`` with BuildKit: the host CA as the ``ca`` secret (the network re-signs
    TLS), the host network for the package indexes, the local base as ``BASE_IMAGE``."""
    argv = ["docker", "build", "--network", "host", "-f", str(context / dockerfile),
            "--build-arg", f"BASE_IMAGE={BASE_IMAGE}", "-t", tag]
    if no_cache:
        argv.append("--no-cache")
    for sid, src in {"ca": HOST_CA, **(secrets or {})}.items():
        argv += ["--secret", f"id={sid},src={src}"]
    start = time.monotonic()
    run([*argv, str(context)])
    return time.monotonic() - start


def image_size(tag: str) -> int:
    out = run(["docker", "image", "inspect", tag, "--format", "{{.Size}}"]).stdout
    return int(out.strip())


def remove_image(tag: str) -> None:
    run(["docker", "image", "rm", "--force", tag], check=False)


@dataclass
class Container:
    cid: str
    port: int | None
    host: str = "127.0.0.1"

    def logs(self) -> str:
        done = run(["docker", "logs", self.cid], check=False)
        return done.stdout + done.stderr

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def get(self, path: str, timeout: float = 2.0,
            headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        request = urllib.request.Request(self.url(path), headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def wait(self, ok: object, what: str, timeout: float = 90.0) -> float:
        """Seconds until ``ok()`` is true (measured from now)."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            try:
                if ok():  # type: ignore[operator]
                    return time.monotonic() - start
            except OSError:
                pass
            if not self.running():
                break
            time.sleep(0.05)
        raise TimeoutError(f"{what} not ready after {time.monotonic() - start:.0f}s:\n"
                           f"{self.logs()[-3000:]}")

    def wait_ready(self, path: str = "/readyz", timeout: float = 90.0) -> float:
        return self.wait(lambda: self.get(path, timeout=1.0)[0] == 200, path, timeout)

    def wait_log(self, text: str, timeout: float = 90.0) -> float:
        return self.wait(lambda: text in self.logs(), repr(text), timeout)

    def running(self) -> bool:
        out = run(["docker", "inspect", self.cid, "--format", "{{.State.Running}}"],
                  check=False).stdout.strip()
        return out == "true"

    def stop(self, grace: int) -> tuple[float, int]:
        """SIGTERM, SIGKILL after ``grace`` s: (seconds to exit, exit code)."""
        start = time.monotonic()
        run(["docker", "stop", "--time", str(grace), self.cid], timeout=grace + 60)
        elapsed = time.monotonic() - start
        code = run(["docker", "inspect", self.cid, "--format", "{{.State.ExitCode}}"]).stdout
        return elapsed, int(code.strip())

    def remove(self) -> None:
        run(["docker", "rm", "--force", self.cid], check=False)


def start(tag: str, *, cpus: float, memory: str, env: dict[str, str] | None = None,
          port: int | None = None, read_only: bool = True,
          tmpfs: tuple[str, ...] = (), command: list[str] | None = None) -> Container:
    """``docker run`` as the pod runs: CPU and memory limits, read-only root with tmpfs where
    the Deployment mounts an emptyDir, the Deployment's env."""
    argv = ["docker", "run", "--detach", "--cpus", str(cpus), "--memory", memory,
            "--memory-swap", memory]
    if read_only:  # readOnlyRootFilesystem with an emptyDir on /tmp
        argv += ["--read-only", "--tmpfs", "/tmp:rw,size=64m,mode=1777",
                 "--tmpfs", "/run/prometheus:rw,mode=1777"]
    for path in tmpfs:  # the Deployment's other emptyDirs
        argv += ["--tmpfs", f"{path}:rw,mode=1777"]
    for key, value in (env or {}).items():
        argv += ["--env", f"{key}={value}"]
    cid = run([*argv, tag, *(command or [])]).stdout.strip()
    # The container's own address on the private bridge: no userland proxy in between (it
    # would accept TCP connections for a server that is not listening yet).
    address = run(["docker", "inspect", cid, "--format",
                   "{{.NetworkSettings.IPAddress}}"]).stdout.strip()
    return Container(cid, port, address or "127.0.0.1")


def history(tag: str) -> list[dict[str, object]]:
    out = run(["docker", "history", "--no-trunc", "--format", "{{json .}}", tag]).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def save(tag: str, dest: Path) -> Path:
    run(["docker", "save", "-o", str(dest), tag])
    return dest


def have(binary: str) -> bool:
    return shutil.which(binary) is not None
