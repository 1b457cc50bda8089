"""Fixtures for security rules (PF8xx): exact (path, line) expectations.

Expected findings are the lines marked ``# <-`` in the fixtures themselves."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from podfit.check.fixer import apply_yaml_edits
from tests.check.helpers import check_files, hits

MARK = "# <-"


def expected(files: dict[str, str]) -> list[tuple[str, int]]:
    return sorted((name, number) for name, text in files.items()
                  for number, line in enumerate(textwrap.dedent(text).lstrip("\n")
                                                .splitlines(), 1) if MARK in line)


def pod(container: str = "", spec: str = "", init: str = "") -> str:
    """A Pod; ``container`` lines go under the container (e.g. a securityContext), ``spec``
    lines under the pod spec, ``init`` adds an init container with those lines."""
    text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n"
    text += textwrap.indent(spec, "  ")
    if init:
        text += ("  initContainers:\n    - name: migrate\n"
                 "      image: registry.example/web:1.0\n" + textwrap.indent(init, "      "))
    text += ("  containers:\n    - name: web\n      image: registry.example/web:1.0\n"
             + textwrap.indent(container, "      "))
    return text


def case(code: str, files: dict[str, str], tmp_path: Path, **settings: object) -> None:
    assert hits(tmp_path, files, code, **settings) == expected(files)


HARDENED = ("securityContext:\n  allowPrivilegeEscalation: false\n  readOnlyRootFilesystem: "
            "true\n  capabilities:\n    drop: [ALL]\n")

# -- PF801 privileged ---------------------------------------------------------------------
PF801 = {
    "privileged": pod("securityContext:\n  privileged: true  # <-\n"),
    "not privileged": pod("securityContext:\n  privileged: false\n"),
    "unset": pod(),
    "init container": pod(init="securityContext:\n  privileged: true  # <-\n"),
}


@pytest.mark.parametrize("text", PF801.values(), ids=PF801.keys())
def test_pf801_privileged(tmp_path: Path, text: str) -> None:
    case("PF801", {"pod.yaml": text}, tmp_path)


# -- PF802 allowPrivilegeEscalation ---------------------------------------------------------
PF802 = {
    "unset, no securityContext": pod().replace("  - name: web\n", "  - name: web  # <-\n"),
    "unset in a securityContext": pod("securityContext:  # <-\n  runAsNonRoot: true\n"),
    "true": pod("securityContext:\n  allowPrivilegeEscalation: true  # <-\n"),
    "false": pod("securityContext:\n  allowPrivilegeEscalation: false\n"),
    "init container unset": pod(
        "securityContext:\n  allowPrivilegeEscalation: false\n",
        init="securityContext:\n  allowPrivilegeEscalation: true  # <-\n"),
    "windows pod": pod(spec="os:\n  name: windows\n"),
}


@pytest.mark.parametrize("text", PF802.values(), ids=PF802.keys())
def test_pf802_privilege_escalation(tmp_path: Path, text: str) -> None:
    case("PF802", {"pod.yaml": text}, tmp_path)


# -- PF803 / PF804 capabilities -------------------------------------------------------------
PF803 = {
    "drops ALL": pod("securityContext:\n  capabilities:\n    drop: [ALL]\n"),
    "drops all (any case)": pod("securityContext:\n  capabilities:\n    drop: [all]\n"),
    "drops some": pod("securityContext:\n  capabilities:\n    drop: [NET_RAW]  # <-\n"),
    "no capabilities": pod("securityContext:  # <-\n  runAsNonRoot: true\n"),
    "init container": pod("securityContext:\n  capabilities:\n    drop: [ALL]\n",
                          init="securityContext:\n  capabilities:  # <-\n    add: [CHOWN]\n"),
}


@pytest.mark.parametrize("text", PF803.values(), ids=PF803.keys())
def test_pf803_capabilities_not_dropped(tmp_path: Path, text: str) -> None:
    case("PF803", {"pod.yaml": text}, tmp_path)


PF804 = {
    "NET_BIND_SERVICE is allowed": pod(
        "securityContext:\n  capabilities:\n    drop: [ALL]\n    add: [NET_BIND_SERVICE]\n"),
    "each forbidden one": pod("securityContext:\n  capabilities:\n    add:\n"
                              "      - NET_BIND_SERVICE\n      - SYS_ADMIN  # <-\n"
                              "      - CAP_NET_RAW  # <-\n"),
    "nothing added": pod("securityContext:\n  capabilities:\n    drop: [ALL]\n"),
}


@pytest.mark.parametrize("text", PF804.values(), ids=PF804.keys())
def test_pf804_capability_added(tmp_path: Path, text: str) -> None:
    case("PF804", {"pod.yaml": text}, tmp_path)


# -- PF805 / PF806 users ------------------------------------------------------------------
PF805 = {
    "pod level": pod(spec="securityContext:\n  runAsNonRoot: true\n"),
    "container level": pod("securityContext:\n  runAsNonRoot: true\n"),
    "container overrides the pod": pod("securityContext:\n  runAsNonRoot: false  # <-\n",
                                       spec="securityContext:\n  runAsNonRoot: true\n"),
    "pod false, container inherits": pod(spec="securityContext:\n"
                                         "  runAsNonRoot: false  # <-\n"),
    "unset": pod("securityContext:  # <-\n  readOnlyRootFilesystem: true\n"),
    "runAsUser 0 is PF806's": pod("securityContext:\n  runAsUser: 0\n"),
    "init container": pod(spec="securityContext:\n  runAsNonRoot: true\n",
                          init="securityContext:\n  runAsNonRoot: false  # <-\n"),
}


@pytest.mark.parametrize("text", PF805.values(), ids=PF805.keys())
def test_pf805_run_as_non_root(tmp_path: Path, text: str) -> None:
    case("PF805", {"pod.yaml": text}, tmp_path)


def test_pf805_names_the_image_user(tmp_path: Path) -> None:
    files = {"pod.yaml": pod(), "Dockerfile": "FROM python:3.12-slim\nUSER app\n"}
    result = check_files(tmp_path, files, ("PF805",))
    assert [f.line for f in result.findings] == [7]
    assert "USER 'app' is a name" in result.findings[0].message
    files = {"pod.yaml": pod(), "Dockerfile": "FROM python:3.12-slim\nCMD [\"python\"]\n"}
    result = check_files(tmp_path / "root", files, ("PF805",))
    assert "runs as root" in result.findings[0].message


def test_pf805_unsafe_fix_sets_the_field(tmp_path: Path) -> None:
    text = pod("securityContext:\n  readOnlyRootFilesystem: true\n")
    result = check_files(tmp_path, {"pod.yaml": text}, ("PF805",))
    fix = result.findings[0].fix
    assert fix is not None
    assert str(fix.safety) == "unsafe"
    after = apply_yaml_edits(text, fix.yaml_edits)
    assert "readOnlyRootFilesystem: true\n        runAsNonRoot: true" in after
    assert check_files(tmp_path / "after", {"pod.yaml": after}, ("PF805",)).findings == ()


PF806 = {
    "container": pod("securityContext:\n  runAsUser: 0  # <-\n"),
    "pod, reported once": pod(spec="securityContext:\n  runAsUser: 0  # <-\n",
                              init="image: busybox:1.36\n"),
    "pod 0, container overrides": pod("securityContext:\n  runAsUser: 10001\n",
                                      spec="securityContext:\n  runAsUser: 0\n"),
    "non-root": pod(spec="securityContext:\n  runAsUser: 10001\n"),
}


@pytest.mark.parametrize("text", PF806.values(), ids=PF806.keys())
def test_pf806_runs_as_root(tmp_path: Path, text: str) -> None:
    case("PF806", {"pod.yaml": text}, tmp_path)


# -- PF807 read-only root filesystem ------------------------------------------------------
PF807 = {
    "read-only": pod("securityContext:\n  readOnlyRootFilesystem: true\n"),
    "false": pod("securityContext:\n  readOnlyRootFilesystem: false  # <-\n"),
    "init containers are not checked": pod(
        "securityContext:\n  readOnlyRootFilesystem: true\n", init="command: [migrate]\n"),
}


@pytest.mark.parametrize("text", PF807.values(), ids=PF807.keys())
def test_pf807_writable_root_filesystem(tmp_path: Path, text: str) -> None:
    case("PF807", {"pod.yaml": text}, tmp_path)


def test_pf807_names_the_python_dirs(tmp_path: Path) -> None:
    text = pod("env:\n  - name: PROMETHEUS_MULTIPROC_DIR\n    value: /run/prom\n")
    [finding] = check_files(tmp_path, {"pod.yaml": text}, ("PF807",)).findings
    assert "emptyDir at /tmp and /run/prom (PROMETHEUS_MULTIPROC_DIR)" in finding.message
    text = pod("volumeMounts:\n  - name: tmp\n    mountPath: /tmp/\n")
    [finding] = check_files(tmp_path / "b", {"pod.yaml": text}, ("PF807",)).findings
    assert "emptyDir" not in finding.message


# -- PF808 image tags ---------------------------------------------------------------------
def image(name: str) -> str:
    """A Pod running ``name``; a trailing ``!`` marks the image line as expected."""
    mark = "  # <-" if name.endswith("!") else ""
    return pod().replace("image: registry.example/web:1.0",
                         f"image: {name.removesuffix('!')}{mark}")


PF808 = {
    "latest": {"pod.yaml": image("registry.example/web:latest!")},
    "no tag": {"pod.yaml": image("web!")},
    "registry port, no tag": {"pod.yaml": image("registry.local:5000/web!")},
    "registry port, tag": {"pod.yaml": image("registry.local:5000/web:1.2")},
    "digest": {"pod.yaml": image("web@sha256:" + "a" * 64)},
    "templated": {"pod.yaml": image("${IMAGE}")},
}


@pytest.mark.parametrize("files", PF808.values(), ids=PF808.keys())
def test_pf808_image_tag_latest(tmp_path: Path, files: dict[str, str]) -> None:
    case("PF808", files, tmp_path)


def test_pf808_init_container(tmp_path: Path) -> None:
    text = pod(init="command: [migrate]\n").replace(
        "name: migrate\n      image: registry.example/web:1.0",
        "name: migrate\n      image: busybox")
    assert hits(tmp_path, {"pod.yaml": text}, "PF808") == [("pod.yaml", 8)]


# -- PF809 service-account token ----------------------------------------------------------
SA = "---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: app\n"
PF809 = {
    "default account": {"pod.yaml": pod().replace("spec:\n", "spec:  # <-\n", 1)},
    "pod opts out": {"pod.yaml": pod(spec="automountServiceAccountToken: false\n")},
    "pod opts in explicitly": {"pod.yaml": pod(spec="automountServiceAccountToken: true\n")},
    "named account opts out": {"pod.yaml": pod(spec="serviceAccountName: app\n") + SA +
                               "automountServiceAccountToken: false\n"},
    "named account mounts": {"pod.yaml": pod(spec="serviceAccountName: app  # <-\n") + SA},
    "named account not in the inputs": {"pod.yaml": pod(
        spec="serviceAccountName: app  # <-\n")},
    "account with RBAC": {"pod.yaml": pod(spec="serviceAccountName: app\n") + SA +
                          "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\n"
                          "metadata:\n  name: app\nroleRef:\n  apiGroup: "
                          "rbac.authorization.k8s.io\n  kind: Role\n  name: reader\n"
                          "subjects:\n  - kind: ServiceAccount\n    name: app\n"},
}


@pytest.mark.parametrize("files", PF809.values(), ids=PF809.keys())
def test_pf809_service_account_token(tmp_path: Path, files: dict[str, str]) -> None:
    case("PF809", files, tmp_path)


# -- PF810 seccomp ------------------------------------------------------------------------
RUNTIME_DEFAULT = "securityContext:\n  seccompProfile:\n    type: RuntimeDefault\n"
PF810 = {
    "pod RuntimeDefault": pod(spec=RUNTIME_DEFAULT),
    "container Localhost": pod("securityContext:\n  seccompProfile:\n    type: Localhost\n"
                               "    localhostProfile: app.json\n"),
    "unset, once per pod": pod(init="command: [migrate]\n").replace(
        "spec:\n", "spec:  # <-\n", 1),
    "pod Unconfined": pod(spec="securityContext:\n  seccompProfile:  # <-\n"
                               "    type: Unconfined\n"),
    "pod has a securityContext": pod(spec="securityContext:  # <-\n  runAsUser: 1\n"),
    "container Unconfined over a good pod": pod(
        "securityContext:\n  seccompProfile:\n    type: Unconfined  # <-\n",
        spec=RUNTIME_DEFAULT),
    "windows": pod(spec="os:\n  name: windows\n"),
}


@pytest.mark.parametrize("text", PF810.values(), ids=PF810.keys())
def test_pf810_seccomp(tmp_path: Path, text: str) -> None:
    case("PF810", {"pod.yaml": text}, tmp_path)


def test_pf810_fix_in_a_list(tmp_path: Path) -> None:
    text = ("apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n"
            "    metadata:\n      name: c\n  - " + textwrap.indent(pod(), "    ")[4:])
    [finding] = check_files(tmp_path, {"list.yaml": text}, ("PF810",)).findings
    assert finding.line == 12
    assert finding.fix is not None
    after = apply_yaml_edits(text, finding.fix.yaml_edits)
    assert check_files(tmp_path / "after", {"list.yaml": after}, ("PF810",)).findings == ()


# -- PF811 host namespaces ----------------------------------------------------------------
PF811 = {
    "hostNetwork and hostPID": pod(spec="hostNetwork: true  # <-\nhostPID: true  # <-\n"
                                   "hostIPC: false\n"),
    "none": pod(),
}


@pytest.mark.parametrize("text", PF811.values(), ids=PF811.keys())
def test_pf811_host_namespaces(tmp_path: Path, text: str) -> None:
    case("PF811", {"pod.yaml": text}, tmp_path)


# -- all of them on workload kinds ----------------------------------------------------------
def test_hardened_deployment_and_cronjob_are_clean(tmp_path: Path) -> None:
    container = textwrap.indent(HARDENED, " " * 14)
    spec = ("      automountServiceAccountToken: false\n      securityContext:\n"
            "        runAsNonRoot: true\n        runAsUser: 10001\n"
            "        seccompProfile:\n          type: RuntimeDefault\n")
    deployment = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: "
                  "shop\nspec:\n  selector:\n    matchLabels:\n      app: web\n  template:\n"
                  "    metadata:\n      labels:\n        app: web\n    spec:\n" + spec +
                  "      containers:\n        - name: web\n"
                  "          image: registry.example/web:1.4.2\n" +
                  container.replace(" " * 14, " " * 10, 1).replace("\n" + " " * 14, "\n" +
                                                                   " " * 12))
    result = check_files(tmp_path, {"web.yaml": deployment}, ("PF8",))
    assert result.findings == ()
    cronjob = ("apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: c\nspec:\n"
               "  schedule: '@daily'\n  jobTemplate:\n    spec:\n      template:\n"
               "        spec:\n          restartPolicy: Never\n          containers:\n"
               "            - name: c\n              image: registry.example/c:1.0\n")
    codes = sorted(f.code for f in check_files(tmp_path / "cj", {"cj.yaml": cronjob},
                                               ("PF8",)).findings)
    assert codes == ["PF802", "PF803", "PF805", "PF807", "PF809", "PF810"]


def test_pf803_fix_creates_the_nested_mappings(tmp_path: Path) -> None:
    for name, text in {"none": pod(), "context": pod("securityContext:\n  runAsUser: 1\n"),
                       "caps": pod("securityContext:\n  capabilities:\n    add: [CHOWN]\n"),
                       "drop": pod("securityContext:\n  capabilities:\n    drop: [NET_RAW]\n")
                       }.items():
        [finding] = check_files(tmp_path / name, {"pod.yaml": text}, ("PF803",)).findings
        assert finding.fix is not None
        after = apply_yaml_edits(text, finding.fix.yaml_edits)
        assert check_files(tmp_path / f"{name}-after", {"pod.yaml": after},
                           ("PF803",)).findings == (), after
        assert apply_yaml_edits(after, finding.fix.yaml_edits) == after  # idempotent


def test_deployments_in_a_list_and_namespaces(tmp_path: Path) -> None:
    def deployment(namespace: str, escalation: str) -> str:
        return (f"  - apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n"
                f"      name: web\n      namespace: {namespace}\n    spec:\n      template:\n"
                f"        spec:\n          containers:\n            - name: web\n"
                f"              image: registry.example/web:1.0\n"
                f"              securityContext:\n"
                f"                allowPrivilegeEscalation: {escalation}\n")
    text = ("apiVersion: v1\nkind: List\nitems:\n" + deployment("a", "false") +
            deployment("b", "true"))
    assert hits(tmp_path, {"list.yaml": text}, "PF802") == [("list.yaml", 29)]


def test_pf6_pf8_pf9_survive_odd_manifests(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Odd values where mappings, lists, ports and names belong never crash a rule."""
    import os

    import yaml
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from podfit.check.engine import run_check
    from podfit.check.settings import CheckSettings

    odd = st.sampled_from([None, 0, -1, 1.5, True, "", "x", "ALL", [], {}, [1], {"a": 1},
                           "8000", 8000, "http", "${PORT}", "\u00b2"])
    context = st.one_of(st.fixed_dictionaries({}, optional={
        "privileged": odd, "allowPrivilegeEscalation": odd, "runAsNonRoot": odd,
        "runAsUser": odd, "readOnlyRootFilesystem": odd,
        "capabilities": st.one_of(st.fixed_dictionaries({"drop": odd, "add": odd}), odd),
        "seccompProfile": st.one_of(st.fixed_dictionaries({"type": odd}), odd)}), odd)
    container = st.fixed_dictionaries({"name": odd, "image": odd}, optional={
        "securityContext": context, "env": st.one_of(st.lists(st.fixed_dictionaries(
            {"name": st.sampled_from(["PROMETHEUS_MULTIPROC_DIR", 1]), "value": odd})), odd),
        "ports": st.one_of(st.lists(st.fixed_dictionaries(
            {"containerPort": odd, "name": odd}), max_size=2), odd),
        "args": st.one_of(st.lists(odd, max_size=3), odd)})
    port = st.fixed_dictionaries({"port": odd}, optional={"targetPort": odd, "name": odd})
    backend = st.one_of(st.fixed_dictionaries({"service": st.one_of(st.fixed_dictionaries(
        {"name": odd, "port": st.one_of(st.fixed_dictionaries({"number": odd}), odd)}), odd)}),
        st.fixed_dictionaries({"serviceName": odd, "servicePort": odd}), odd)

    @settings(max_examples=int(os.environ.get("PODFIT_FUZZ_EXAMPLES", "60")), deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(containers=st.lists(container, min_size=1, max_size=2), pod_context=context,
           ports=st.lists(port, max_size=2), ingress_backend=backend, annotation=odd,
           selector=odd)
    def run(*, containers: list[object], pod_context: object, ports: list[object],
            ingress_backend: object, annotation: object, selector: object) -> None:
        root = tmp_path_factory.mktemp("odd")
        docs = [
            {"apiVersion": "apps/v1beta2", "kind": "Deployment", "metadata": {
                "name": "web", "annotations": {"prometheus.io/port": annotation}},
             "spec": {"template": {"metadata": {"labels": {"app": "web"}, "annotations": {
                 "prometheus.io/scrape": "true", "prometheus.io/port": annotation}},
                 "spec": {"securityContext": pod_context, "containers": containers,
                          "initContainers": containers, "serviceAccountName": annotation}}}},
            {"apiVersion": "v1", "kind": "Service", "metadata": {
                "name": "web", "labels": {"app": "web"}, "annotations": {
                    "prometheus.io/scrape": "true", "prometheus.io/port": annotation}},
             "spec": {"selector": {"app": "web"}, "ports": ports}},
            {"apiVersion": "extensions/v1beta1", "kind": "Ingress", "metadata": {"name": "i"},
             "spec": {"backend": ingress_backend, "defaultBackend": ingress_backend,
                      "rules": [{"http": {"paths": [{"backend": ingress_backend}]}}]}},
            {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
             "metadata": {"name": "m"}, "spec": {"selector": selector, "namespaceSelector":
                                                  selector, "endpoints": [{"port": annotation}]}},
            {"apiVersion": "monitoring.coreos.com/v1", "kind": "PodMonitor",
             "metadata": {"name": "m"}, "spec": {
                 "selector": {"matchLabels": selector},
                 "podMetricsEndpoints": [{"port": annotation, "portNumber": annotation}]}},
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
             "metadata": {"name": "b"}, "subjects": [selector, {"kind": "ServiceAccount"}]},
        ]
        (root / "k8s.yaml").write_text(yaml.safe_dump_all(docs))
        result = run_check([str(root)], CheckSettings(), select=("PF6", "PF8", "PF9", "PF903"))
        assert not [e for e in result.errors if e.path == "<podfit>"], result.errors

    run()
