"""Settings of ``podfit check`` (one dataclass, a docstring per field, validated on build)."""

from __future__ import annotations

from dataclasses import dataclass, field

from podfit.core.policy import CpuLimitPolicy

#: Kubernetes minor version checked by default: the newest one podfit knows.
DEFAULT_KUBE_VERSION = "1.35"


@dataclass(frozen=True)
class CheckSettings:
    select: tuple[str, ...] = field(default=(), metadata={
        "doc": "Only these rule codes or names (prefixes like PF2 allowed); empty: all rules."})
    ignore: tuple[str, ...] = field(default=(), metadata={
        "doc": "Rule codes or names never reported."})
    per_file_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict, metadata={
        "doc": "Glob → rule codes ignored in matching files, e.g. {\"tests/*\" = [\"PF801\"]}."})
    exclude: tuple[str, ...] = field(default=(), metadata={
        "doc": "Glob patterns of paths never read (added to .gitignore's)."})
    kube_version: str = field(default=DEFAULT_KUBE_VERSION, metadata={
        "doc": "Kubernetes minor version the manifests target (for removed/deprecated APIs)."})
    cpu_limit_policy: CpuLimitPolicy = field(default=CpuLimitPolicy.NONE, metadata={
        "doc": "CPU limits: 'none' (no limit wanted), 'integer' (whole cores) or 'required'."})
    images: dict[str, str] = field(default_factory=dict, metadata={
        "doc": "Image → Dockerfile links for cross-file rules, e.g. {\"registry/app\" = "
               "\"Dockerfile\"}."})
    memory_limit_ratio: float = field(default=2.0, metadata={
        "doc": "A memory limit more than this many times the request is reported."})
    worker_memory: str = field(default="60Mi", metadata={
        "doc": "Memory floor of one Python web worker, for workers × memory vs the limit."})
    proxy_idle_timeout: int = field(default=60, metadata={
        "doc": "Idle timeout (s) of the proxy/load balancer in front of Ingresses."})
    max_file_size: int = field(default=10 * 2**20, metadata={
        "doc": "Files larger than this many bytes are reported as input errors, not read."})
    helm_values: tuple[str, ...] = field(default=(), metadata={
        "doc": "Values files for `helm template` of charts among the inputs (relative to the "
               "chart, else to the working directory), e.g. [\"values-prod.yaml\"]."})

    def __post_init__(self) -> None:
        # TOML gives lists and strings; normalise them so the rest of the code sees one shape.
        object.__setattr__(self, "select", tuple(self.select))
        object.__setattr__(self, "ignore", tuple(self.ignore))
        object.__setattr__(self, "exclude", tuple(self.exclude))
        object.__setattr__(self, "helm_values", tuple(self.helm_values))
        object.__setattr__(self, "per_file_ignores",
                           {k: tuple(v) for k, v in dict(self.per_file_ignores).items()})
        if not isinstance(self.cpu_limit_policy, CpuLimitPolicy):
            try:
                policy = CpuLimitPolicy(str(self.cpu_limit_policy))
            except ValueError:
                raise ValueError(f"cpu-limit-policy must be none, integer or required, "
                                 f"not {self.cpu_limit_policy!r}") from None
            object.__setattr__(self, "cpu_limit_policy", policy)
        parts = str(self.kube_version).split(".")
        if len(parts) < 2 or not all(p.isdigit() for p in parts[:2]):
            raise ValueError(f"kube-version must look like 1.30, not {self.kube_version!r}")
        object.__setattr__(self, "kube_version", ".".join(parts[:2]))

    @property
    def kube_minor(self) -> int:
        return int(self.kube_version.split(".")[1])
