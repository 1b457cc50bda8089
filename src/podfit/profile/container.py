"""The app as a container started by podman (``podfit profile --image``)."""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from podfit.core.errors import ProfileError
from podfit.core.units import format_memory
from podfit.profile.cgroups import Cgroup, CgroupStats, CgroupV1, CgroupV2, Limits
from podfit.profile.live import register, tail, unregister
from podfit.profile.reaper import WATCHDOG
from podfit.runtime.limits import parse_proc_cgroup

_names = itertools.count()


_CONTAINERS_CONF = """[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
[engine]
runtime = "runc"
"""


class ContainerApp:
    """A container started in the foreground by podman; stats come from its host cgroup."""

    def __init__(self, engine: list[str], run_args: list[str], name: str,
                 env: dict[str, str], limits: Limits) -> None:
        self.engine = engine
        self.name = name
        self.env = env
        self.limits = limits
        self.log = Path(tempfile.mkstemp(prefix="podfit-ctr-", suffix=".log")[1])
        self._cgroup: Cgroup | None = None
        self._rm: subprocess.Popen[bytes] | None = None
        self._closed = False
        register(self)
        # Should podfit be SIGKILLed, its watchdog removes the container: podman runs it in
        # the engine's cgroups, which no parent-death signal of podfit's reaches.
        self._rm_argv = [*engine, "rm", "--force", "--time", "0", name]
        self._rm_env = {k: v for k, v in env.items() if k == "CONTAINERS_CONF"}
        WATCHDOG.on_exit(self._rm_argv, self._rm_env)
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [*engine, "run", "--rm", "--name", name, *run_args], env=env,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)

    def _group(self) -> Cgroup | None:
        if self._cgroup is None and self.proc.poll() is None:
            out = subprocess.run([*self.engine, "inspect", "--format", "{{.State.Pid}}",
                                  self.name], capture_output=True, text=True, env=self.env,
                                 check=False).stdout.strip()
            if out.isdigit() and int(out) > 0:
                v1, v2 = parse_proc_cgroup(Path(f"/proc/{out}/cgroup").read_text())
                if "memory" in v1:
                    self._cgroup = CgroupV1(
                        {c: Path("/sys/fs/cgroup", c, v1[c].lstrip("/"))
                         for c in ("cpu", "cpuacct", "memory") if c in v1}, self.limits)
                else:
                    self._cgroup = CgroupV2(Path("/sys/fs/cgroup", (v2 or "/").lstrip("/")),
                                            self.limits)
        return self._cgroup

    def poll(self) -> int | None:
        return self.proc.poll()

    def stderr_tail(self, lines: int = 15) -> str:
        return tail(self.log, lines)

    def pids(self) -> list[int]:
        group = self._group()
        return group.pids() if group else []

    def master_pid(self) -> int | None:
        pids = self.pids()
        return min(pids) if pids else None

    def stats(self) -> CgroupStats:
        group = self._group()
        if group is None:
            return CgroupStats(0.0, 0, 0, 0.0, 0, 0, 0)
        return group.stats()

    def reset_peak(self) -> None:
        group = self._group()
        if group is not None:
            group.reset_peak()

    # The phases ``live.stop`` runs for every live sandbox at once.
    def terminate(self) -> None:
        if self._rm is None and not self._closed:
            self._rm = subprocess.Popen(
                self._rm_argv, env=self.env,
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def kill(self) -> None:
        self.terminate()
        if self.proc.poll() is None:
            self.proc.kill()

    def running(self) -> bool:
        return self.proc.poll() is None or (self._rm is not None and self._rm.poll() is None)

    def release(self, deadline: float) -> list[str]:
        with contextlib.suppress(subprocess.TimeoutExpired):
            if self._rm is not None:
                self._rm.wait(timeout=max(0.05, deadline - time.monotonic()))
        if self.running():
            return [f"container {self.name} (podman rm is still running)"]
        self._closed = True
        WATCHDOG.cancel(self._rm_argv, self._rm_env)
        with contextlib.suppress(OSError):
            self.log.unlink()
        unregister(self)
        return []

    def close(self) -> None:
        if not self._closed:
            self.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                if self._rm is not None:
                    self._rm.wait(timeout=60)
            self.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=10)
            self.release(time.monotonic())


class ContainerBackend:
    """The app runs from a built image through podman with ``--cpus``/``--memory``.

    Uses runc and a private containers.conf whose ulimits stay under the host's hard limits
    (hosts without CAP_SYS_RESOURCE refuse podman's defaults; crun refuses hybrid cgroups).
    """

    name = "podman"
    reclaimed: tuple[str, ...] = ()  # podman removes its own containers (--rm)

    def __init__(self, image: str, container_port: int = 8000, root: str | None = None,
                 runroot: str | None = None) -> None:
        engine = shutil.which("podman")
        if engine is None:
            raise ProfileError("--image needs podman, which is not installed",
                               "apt-get install podman runc")
        self.image = image
        self.container_port = container_port
        self.engine = [engine] + (["--root", root] if root else []) + (
            ["--runroot", runroot] if runroot else [])
        self.conf_dir = tempfile.mkdtemp(prefix="podfit-podman-")
        conf = Path(self.conf_dir, "containers.conf")
        conf.write_text(_CONTAINERS_CONF)
        self.env = {**os.environ, "CONTAINERS_CONF": str(conf)}
        exists = subprocess.run([*self.engine, "image", "exists", image], env=self.env,
                                capture_output=True, check=False)
        if exists.returncode != 0:
            shutil.rmtree(self.conf_dir, ignore_errors=True)
            raise ProfileError(f"image {image} not found in the podman store",
                               "build it first, or pass --engine-root for a private store")

    def launch(self, argv: list[str], env: dict[str, str], limits: Limits, host: str,
               port: int) -> ContainerApp:
        run_args = ["--runtime", "runc", "-p", f"{host}:{port}:{self.container_port}"]
        if limits.cpu is not None:
            run_args += ["--cpus", f"{limits.cpu:g}"]
        if limits.memory is not None:
            memory = format_memory(limits.memory).replace("Mi", "m").replace("Gi", "g")
            run_args += ["--memory", memory, "--memory-swap", memory]
        for key, value in env.items():
            run_args += ["-e", f"{key}={value}"]
        name = f"podfit-{os.getpid()}-{next(_names)}"
        return ContainerApp(self.engine, [*run_args, self.image, *argv], name, self.env,
                            limits)

    def close(self) -> None:
        shutil.rmtree(self.conf_dir, ignore_errors=True)
