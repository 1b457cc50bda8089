"""Configuration the app needs in the pod: required environment variables (ConfigMap and
Secret placeholders), writable paths under the read-only source tree (emptyDir), Django's
production settings, static files and migrations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from podfit.generate.django import DjangoFacts
from podfit.generate.envvars import EnvVar
from podfit.generate.writable import WritablePath

if TYPE_CHECKING:
    from podfit.generate.detect import AppFacts

PLACEHOLDER = "CHANGE-ME"


@dataclass(frozen=True)
class Config:
    env: tuple[EnvVar, ...]
    writable: tuple[WritablePath, ...]
    """Mountable paths only; the others are warnings."""
    django: DjangoFacts | None
    warnings: tuple[str, ...]

    @property
    def config_vars(self) -> tuple[EnvVar, ...]:
        return tuple(v for v in self.env if not v.secret)

    @property
    def secret_vars(self) -> tuple[EnvVar, ...]:
        return tuple(v for v in self.env if v.secret)


def build_value(var: EnvVar) -> str:
    """A harmless value for build-time steps (collectstatic) that import the settings."""
    if var.name.endswith(("_URL", "_URI", "_DSN")):
        return "sqlite:////tmp/build-only.db"
    if "HOSTS" in var.name:
        return "localhost"
    if "DEBUG" in var.name:
        return "0"
    return var.example or "build-only-placeholder"


def decide_config(facts: AppFacts, workload: object, decide: Any) -> Config:
    src = facts.source
    env = src.env
    if env:
        decide("config.env", ", ".join(v.name for v in env),
               "required by the code (" + "; ".join(f"{v.name} at {v.where}" for v in env[:6])
               + ("; …" if len(env) > 6 else "") + "): the Deployment reads them from the "
               "ConfigMap and the Secret; fill in the placeholders before applying")
        secrets = [v.name for v in env if v.secret]
        if secrets:
            decide("config.secret", ", ".join(secrets), "credentials (KEY, SECRET, PASSWORD, "
                   "TOKEN, URLs with a user) go to the Secret, never into the ConfigMap")
    warnings: list[str] = []
    mounts = tuple(w for w in src.writable if w.mountable)
    for w in src.writable:
        if w.mountable:
            decide(f"writable:/app/{w.path}", "emptyDir", f"{w.why}: the root filesystem is "
                   "read-only, so this folder is an emptyDir (lost on restart: use a "
                   "PersistentVolumeClaim or object storage for data that must survive)")
        else:
            warnings.append(f"{w.why} is a file directly under /app: an emptyDir cannot cover "
                            "one file without hiding the code; point it under /tmp or a "
                            "mounted folder (or use a real database)")
    for text in warnings:
        decide("warning", "writable", text)
    django = src.django
    if django is not None:
        decide("django.settings", django.settings, django.settings_reason
               + "; set as DJANGO_SETTINGS_MODULE in the image and the Deployment")
        decide("django.collectstatic", "at build time" if django.collectstatic else "no",
               django.static_reason)
        if django.migrations:
            decide("django.migrate", "Job (Kustomize) / post-install,pre-upgrade hook (Helm)",
                   "migrations run once per release, before the new pods; never in the "
                   "container command, where every replica would race")
        probes = getattr(workload, "probes", {}) or {}
        kind = probes["readiness"].kind if "readiness" in probes else "none"
        if kind == "http":
            decide("django.probes", "answered by podfit.runtime before Django",
                   "the kubelet's Host header is the pod IP, which ALLOWED_HOSTS rejects; "
                   "podfit.runtime serves /livez /readyz /startupz in front of the app")
        elif kind == "tcp":
            decide("django.probes", "TCP", "a TCP probe sends no Host header, so "
                   "ALLOWED_HOSTS cannot reject it")
    return Config(env, mounts, django, tuple(warnings))
