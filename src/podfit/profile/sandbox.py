"""Run the app inside emulated pod limits — a fresh cgroup or a container — and always clean up.

Every sandbox registers itself until closed; ``cleanup_all`` (run at exit and when
``guard_signals`` turns SIGTERM/SIGHUP into ``KeyboardInterrupt``) closes what is left, so no
process or cgroup outlives podfit after success, failure, an app crash, an OOM kill or Ctrl-C.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

from podfit.core.errors import ProfileError
from podfit.core.units import format_memory
from podfit.profile.cgroups import (
    Cgroup,
    CgroupStats,
    CgroupV1,
    CgroupV2,
    Limits,
    create_cgroup,
    detect_version,
    parse_proc_cgroup,
)
from podfit.profile.load import LoadDriver


class Closable(Protocol):
    def close(self) -> None: ...


_LIVE: dict[int, Closable] = {}
_names = itertools.count()


def _register(obj: Closable) -> None:
    _LIVE[id(obj)] = obj


def _unregister(obj: Closable) -> None:
    _LIVE.pop(id(obj), None)


def cleanup_all() -> None:
    """Close every sandbox still open (called at exit and after an interrupt)."""
    for obj in list(_LIVE.values()):
        with contextlib.suppress(Exception):
            obj.close()
        _unregister(obj)


atexit.register(cleanup_all)


@contextlib.contextmanager
def guard_signals() -> Iterator[None]:
    """While profiling, SIGTERM and SIGHUP unwind like Ctrl-C so every ``finally`` runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        cleanup_all()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class App(Protocol):
    """A running app under limits, as the runner sees it."""

    def poll(self) -> int | None: ...
    def stderr_tail(self, lines: int = 15) -> str: ...
    def pids(self) -> list[int]: ...
    def master_pid(self) -> int | None: ...
    def stats(self) -> CgroupStats: ...
    def reset_peak(self) -> None: ...
    def close(self) -> None: ...


class Backend(Protocol):
    """Starts one app per run; ``name`` goes into the report."""

    name: str

    def launch(self, argv: list[str], env: dict[str, str], limits: Limits, host: str,
               port: int) -> App: ...


def _tail(path: Path, lines: int) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.strip().splitlines()[-lines:])


def _enter(procs_files: list[str]) -> Callable[[], None]:
    """A ``preexec_fn`` that moves the child into the cgroup before it runs the app."""

    def move() -> None:
        for name in procs_files:
            fd = os.open(name, os.O_WRONLY)
            try:
                os.write(fd, b"0")
            finally:
                os.close(fd)

    return move


class CgroupApp:
    """The app as a child process in a fresh cgroup of its own."""

    def __init__(self, argv: list[str], env: dict[str, str], cgroup: Cgroup,
                 cwd: str | None = None) -> None:
        self.cgroup = cgroup
        self.log = Path(tempfile.mkstemp(prefix="podfit-app-", suffix=".log")[1])
        self._closed = False
        _register(self)
        try:
            with self.log.open("wb") as log:
                self.proc = subprocess.Popen(
                    argv, env={**os.environ, **env}, cwd=cwd, stdin=subprocess.DEVNULL,
                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                    preexec_fn=_enter(cgroup.procs_files()))  # noqa: PLW1509 - must run pre-exec
        except (OSError, subprocess.SubprocessError) as exc:
            self.close()
            raise ProfileError(f"cannot start {argv[0]}: {exc}",
                               "check the command after '--' (is it installed, on PATH?)"
                               ) from exc

    def poll(self) -> int | None:
        return self.proc.poll()

    def stderr_tail(self, lines: int = 15) -> str:
        return _tail(self.log, lines)

    def pids(self) -> list[int]:
        return self.cgroup.pids()

    def master_pid(self) -> int | None:
        return self.proc.pid if self.proc.poll() is None else None

    def stats(self) -> CgroupStats:
        return self.cgroup.stats()

    def reset_peak(self) -> None:
        self.cgroup.reset_peak()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            proc = getattr(self, "proc", None)
            if proc is not None and proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.terminate()  # a graceful stop first: gunicorn reaps its workers
                deadline = time.monotonic() + 3
                while time.monotonic() < deadline and self.cgroup.pids():
                    time.sleep(0.02)
            self.cgroup.close()  # SIGKILL whatever is left, then rmdir
            if proc is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=5)
        finally:
            with contextlib.suppress(OSError):
                self.log.unlink()
            _unregister(self)


class CgroupBackend:
    """The app runs as a child of podfit in a fresh cgroup (v1 or v2) per run."""

    def __init__(self, version: str | None = None, cwd: str | None = None) -> None:
        self.name = version or detect_version()
        self.cwd = cwd

    def launch(self, argv: list[str], env: dict[str, str], limits: Limits, host: str,
               port: int) -> CgroupApp:
        cgroup = create_cgroup(limits, self.name)
        _register(cgroup)
        try:
            return CgroupApp(argv, env, cgroup, self.cwd)
        finally:
            _unregister(cgroup)  # the app owns it now (and closed it if the start failed)


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
        self._closed = False
        _register(self)
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
                paths = parse_proc_cgroup(Path(f"/proc/{out}/cgroup").read_text())
                if "memory" in paths:
                    self._cgroup = CgroupV1(
                        {c: Path("/sys/fs/cgroup", c, paths[c].lstrip("/"))
                         for c in ("cpu", "cpuacct", "memory") if c in paths}, self.limits)
                else:
                    self._cgroup = CgroupV2(Path("/sys/fs/cgroup", paths[""].lstrip("/")),
                                            self.limits)
        return self._cgroup

    def poll(self) -> int | None:
        return self.proc.poll()

    def stderr_tail(self, lines: int = 15) -> str:
        return _tail(self.log, lines)

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

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            subprocess.run([*self.engine, "rm", "--force", "--time", "0", self.name],
                           capture_output=True, env=self.env, timeout=60, check=False)
            if self.proc.poll() is None:
                self.proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=10)
        finally:
            with contextlib.suppress(OSError):
                self.log.unlink()
            _unregister(self)


class ContainerBackend:
    """The app runs from a built image through podman with ``--cpus``/``--memory``.

    Uses runc and a private containers.conf whose ulimits stay under the host's hard limits
    (hosts without CAP_SYS_RESOURCE refuse podman's defaults; crun refuses hybrid cgroups).
    """

    name = "podman"

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


@contextlib.contextmanager
def load_driver(use_wrk: bool | None) -> Iterator[LoadDriver]:
    """A load driver whose processes run in a cgroup of their own with top CPU priority (when
    cgroups can be created), removed with everything in it afterwards."""
    group: Cgroup | None = None
    with contextlib.suppress(ProfileError, OSError):
        group = create_cgroup(Limits())
        _register(group)
    driver = LoadDriver(use_wrk, _enter(group.procs_files()) if group else None)
    _register(driver)
    try:
        yield driver
    finally:
        driver.close()
        _unregister(driver)
        if group is not None:
            group.close()
            _unregister(group)
