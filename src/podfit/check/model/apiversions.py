"""Deprecated and removed Kubernetes API versions, as data.

Source: the Kubernetes "Deprecated API Migration Guide"
(https://kubernetes.io/docs/reference/using-api/deprecation-guide/) for the removal versions
and replacements; the deprecation versions are those of the API server's deprecation
warnings (the ``prerelease-lifecycle-gen`` tags of each beta API). Alpha APIs are left out.
Minor versions of Kubernetes 1.x are plain ints.

Also: the OpenAPI schemas of the ``schemas`` extra (kubernetes-validate), loaded lazily.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any


@dataclass(frozen=True)
class ApiChange:
    """One group/version (for some kinds) that is deprecated and, from ``removed``, not
    served any more."""

    api_version: str
    kinds: frozenset[str]
    deprecated: int
    removed: int | None
    #: Replacements, best first: (apiVersion, first minor that serves it).
    replacements: tuple[tuple[str, int], ...]
    #: What changes in the replacement besides the apiVersion ("" when nothing does).
    changes: str = ""
    #: The replacement's kind when it is not the same one.
    new_kind: str = ""

    def replacement_for(self, minor: int) -> tuple[str, int] | None:
        """The best replacement served at ``minor`` (else the best one at all)."""
        for api_version, since in self.replacements:
            gone = next((c.removed for c in API_CHANGES if c.api_version == api_version
                         and self.kinds & c.kinds), None)
            if since <= minor and (gone is None or minor < gone):
                return api_version, since
        return self.replacements[0] if self.replacements else None

    def advice(self, minor: int) -> str:
        """What to use instead, for a cluster at 1.``minor``."""
        best = self.replacement_for(minor)
        if best is None:
            return self.changes
        api_version, since = best
        kind = f" {self.new_kind}" if self.new_kind else ""
        text = f"use {api_version}{kind} (served since 1.{since}"
        text += ")" if since <= minor else f"; not before 1.{since})"
        return text + (f"; note: {self.changes}" if self.changes else "")


def _k(*kinds: str) -> frozenset[str]:
    return frozenset(kinds)


_WORKLOADS = "apps/v1 requires spec.selector (matching the template labels; immutable)"
_INGRESS = ("backends become service.name/service.port.number|name and each path needs a "
            "pathType")
_NO_PSP = ("PodSecurityPolicy is gone (policy/v1beta1 was its last version, removed in 1.25): "
           "label namespaces for Pod Security Admission "
           "(pod-security.kubernetes.io/enforce: restricted) instead")
_FLOW_V1 = "nominalConcurrencyShares defaults to 30 when unset, and 0 now means 0"

API_CHANGES: tuple[ApiChange, ...] = (
    # Removed in 1.16.
    ApiChange("extensions/v1beta1", _k("Deployment", "DaemonSet", "ReplicaSet"), 9, 16,
              (("apps/v1", 9),), _WORKLOADS),
    ApiChange("apps/v1beta1", _k("Deployment", "StatefulSet", "ControllerRevision"), 9, 16,
              (("apps/v1", 9),), _WORKLOADS),
    ApiChange("apps/v1beta2", _k("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet",
                                 "ControllerRevision"), 9, 16, (("apps/v1", 9),), _WORKLOADS),
    ApiChange("extensions/v1beta1", _k("NetworkPolicy"), 9, 16,
              (("networking.k8s.io/v1", 8),)),
    ApiChange("extensions/v1beta1", _k("PodSecurityPolicy"), 10, 16, (), _NO_PSP),
    # Removed in 1.22.
    ApiChange("admissionregistration.k8s.io/v1beta1",
              _k("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"), 16, 22,
              (("admissionregistration.k8s.io/v1", 16),),
              "v1 requires sideEffects and admissionReviewVersions and defaults "
              "failurePolicy to Fail"),
    ApiChange("apiextensions.k8s.io/v1beta1", _k("CustomResourceDefinition"), 16, 22,
              (("apiextensions.k8s.io/v1", 16),),
              "v1 requires a structural schema for each version"),
    ApiChange("apiregistration.k8s.io/v1beta1", _k("APIService"), 19, 22,
              (("apiregistration.k8s.io/v1", 10),)),
    ApiChange("authentication.k8s.io/v1beta1", _k("TokenReview"), 19, 22,
              (("authentication.k8s.io/v1", 6),)),
    ApiChange("authorization.k8s.io/v1beta1",
              _k("SubjectAccessReview", "LocalSubjectAccessReview", "SelfSubjectAccessReview"),
              19, 22, (("authorization.k8s.io/v1", 6),), "spec.group becomes spec.groups"),
    ApiChange("certificates.k8s.io/v1beta1", _k("CertificateSigningRequest"), 19, 22,
              (("certificates.k8s.io/v1", 19),), "v1 requires spec.signerName"),
    ApiChange("coordination.k8s.io/v1beta1", _k("Lease"), 19, 22,
              (("coordination.k8s.io/v1", 14),)),
    ApiChange("extensions/v1beta1", _k("Ingress"), 14, 22,
              (("networking.k8s.io/v1", 19),), _INGRESS),
    ApiChange("networking.k8s.io/v1beta1", _k("Ingress"), 19, 22,
              (("networking.k8s.io/v1", 19),), _INGRESS),
    ApiChange("networking.k8s.io/v1beta1", _k("IngressClass"), 19, 22,
              (("networking.k8s.io/v1", 19),)),
    ApiChange("rbac.authorization.k8s.io/v1beta1",
              _k("ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"), 17, 22,
              (("rbac.authorization.k8s.io/v1", 8),)),
    ApiChange("scheduling.k8s.io/v1beta1", _k("PriorityClass"), 14, 22,
              (("scheduling.k8s.io/v1", 14),)),
    ApiChange("storage.k8s.io/v1beta1",
              _k("CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"), 19, 22,
              (("storage.k8s.io/v1", 19),)),
    # Removed in 1.25.
    ApiChange("batch/v1beta1", _k("CronJob"), 21, 25, (("batch/v1", 21),)),
    ApiChange("discovery.k8s.io/v1beta1", _k("EndpointSlice"), 21, 25,
              (("discovery.k8s.io/v1", 21),),
              "topology becomes nodeName and zone on each endpoint"),
    ApiChange("events.k8s.io/v1beta1", _k("Event"), 22, 25, (("events.k8s.io/v1", 19),),
              "deprecatedX fields are read-only and type is limited to Normal/Warning"),
    ApiChange("autoscaling/v2beta1", _k("HorizontalPodAutoscaler"), 22, 25,
              (("autoscaling/v2", 23),),
              "targetAverageUtilization becomes target.averageUtilization with "
              "target.type: Utilization"),
    ApiChange("policy/v1beta1", _k("PodDisruptionBudget"), 21, 25, (("policy/v1", 21),),
              "an empty spec.selector now selects every pod of the namespace"),
    ApiChange("policy/v1beta1", _k("PodSecurityPolicy"), 21, 25, (), _NO_PSP),
    ApiChange("node.k8s.io/v1beta1", _k("RuntimeClass"), 22, 25, (("node.k8s.io/v1", 20),)),
    # Removed in 1.26.
    ApiChange("autoscaling/v2beta2", _k("HorizontalPodAutoscaler"), 23, 26,
              (("autoscaling/v2", 23),)),
    ApiChange("flowcontrol.apiserver.k8s.io/v1beta1",
              _k("FlowSchema", "PriorityLevelConfiguration"), 23, 26,
              (("flowcontrol.apiserver.k8s.io/v1", 29),
               ("flowcontrol.apiserver.k8s.io/v1beta3", 26),
               ("flowcontrol.apiserver.k8s.io/v1beta2", 23)), _FLOW_V1),
    # Removed in 1.27.
    ApiChange("storage.k8s.io/v1beta1", _k("CSIStorageCapacity"), 24, 27,
              (("storage.k8s.io/v1", 24),)),
    # Removed in 1.29.
    ApiChange("flowcontrol.apiserver.k8s.io/v1beta2",
              _k("FlowSchema", "PriorityLevelConfiguration"), 26, 29,
              (("flowcontrol.apiserver.k8s.io/v1", 29),
               ("flowcontrol.apiserver.k8s.io/v1beta3", 26)), _FLOW_V1),
    # Removed in 1.32.
    ApiChange("flowcontrol.apiserver.k8s.io/v1beta3",
              _k("FlowSchema", "PriorityLevelConfiguration"), 29, 32,
              (("flowcontrol.apiserver.k8s.io/v1", 29),), _FLOW_V1),
    # Deprecated, still served, no removal planned.
    ApiChange("v1", _k("Endpoints"), 33, None, (("discovery.k8s.io/v1", 21),),
              "an EndpointSlice names its Service with the kubernetes.io/service-name label",
              "EndpointSlice"),
)

_BY_VERSION: dict[tuple[str, str], ApiChange] = {
    (change.api_version, kind): change for change in API_CHANGES for kind in change.kinds}


def api_change(api_version: str, kind: str) -> ApiChange | None:
    """The deprecation entry for ``kind`` in ``api_version``, if there is one."""
    return _BY_VERSION.get((api_version.strip(), kind))


# -- OpenAPI schemas (the `schemas` extra: kubernetes-validate) ---------------------------
@cache
def _versions() -> tuple[tuple[int, str], ...]:
    from kubernetes_validate.utils import all_versions

    return tuple((int(v.split(".")[1]), v) for v in all_versions() if v.startswith("1."))


def schema_version(minor: int) -> str:
    """The newest shipped schema not newer than 1.``minor`` (else the oldest one)."""
    versions = _versions()
    older = [v for m, v in versions if m <= minor]
    return older[-1] if older else versions[0][1]


_KIND = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
_API_VERSION = re.compile(r"^([a-z0-9][a-z0-9.-]*/)?v[0-9a-z]+$")


@cache
def schema_validator(version: str, api_version: str, kind: str) -> Any:
    """A strict JSON-schema validator for one kind at one shipped version, or None when
    no schema ships for it (custom resources). Loaded lazily and once."""
    import jsonschema  # type: ignore[import-untyped]  # no stubs; comes with kubernetes-validate
    from kubernetes_validate.utils import schema_contents
    from referencing import Registry, Resource

    if not _KIND.match(kind) or not _API_VERSION.match(api_version):
        return None  # not a name a schema file can have (and never a path)
    group = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    folder = f"kubernetes-json-schema/v{version}-local-strict"
    try:
        schema = schema_contents(f"{folder}/{kind.lower()}-{group}.json", version)
    except FileNotFoundError:
        return None
    registry: Registry[Any] = Resource.from_contents(schema) @ Registry()
    registry = Resource.from_contents(_definitions(folder, version)) @ registry
    return jsonschema.Draft202012Validator(schema, registry=registry)


@cache
def _definitions(folder: str, version: str) -> Any:
    from kubernetes_validate.utils import schema_contents

    return schema_contents(f"{folder}/_definitions.json", version)
