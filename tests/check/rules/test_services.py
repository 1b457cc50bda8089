"""Fixtures for service-discovery rules (PF6xx): exact (path, line) expectations.

Expected findings are the lines marked ``# <-`` in the fixtures themselves."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.check.helpers import check_files, hits

MARK = "# <-"


def expected(files: dict[str, str]) -> list[tuple[str, int]]:
    return sorted((name, number) for name, text in files.items()
                  for number, line in enumerate(textwrap.dedent(text).lstrip("\n")
                                                .splitlines(), 1) if MARK in line)


def y(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def deployment(name: str, *, labels: str = "", ports: str = "", namespace: str = "",
               extra: str = "", kind: str = "Deployment") -> str:
    """A minimal workload; ``labels`` like ``app: web``; ``ports`` as container port items."""
    labels = labels or f"app: {name}"
    ns = f"\n  namespace: {namespace}" if namespace else ""
    port_block = f"\n          ports:\n{textwrap.indent(ports, ' ' * 12)}" if ports else ""
    return (f"apiVersion: apps/v1\nkind: {kind}\nmetadata:\n  name: {name}{ns}\nspec:\n"
            f"  selector:\n    matchLabels:\n      {labels}\n  template:\n    metadata:\n"
            f"      labels:\n        {labels}\n    spec:\n      containers:\n"
            f"        - name: {name}\n          image: registry.example/{name}:1.0{port_block}"
            f"{extra}\n")


WEB = deployment("web", ports="- name: http\n  containerPort: 8000\n")

# -- PF601 service-selects-no-pods --------------------------------------------------------
PF601 = {
    "mismatch": {"k8s.yaml": y("""
        apiVersion: v1
        kind: Service
        metadata:
          name: web
        spec:
          selector:  # <-
            app: web-api
          ports:
            - port: 80
        ---
        """) + WEB},
    "match": {"k8s.yaml": y("""
        apiVersion: v1
        kind: Service
        metadata:
          name: web
        spec:
          selector:
            app: web
          ports:
            - port: 80
              targetPort: http
        ---
        """) + WEB},
    "no selector (manual Endpoints)": {"k8s.yaml": y("""
        apiVersion: v1
        kind: Service
        metadata:
          name: db
        spec:
          ports:
            - port: 5432
        ---
        """) + WEB},
    "ExternalName": {"k8s.yaml": y("""
        apiVersion: v1
        kind: Service
        metadata:
          name: db
        spec:
          type: ExternalName
          externalName: db.example.com
          selector:
            app: nothing
        ---
        """) + WEB},
    "no workloads in the inputs": {"svc.yaml": """
        apiVersion: v1
        kind: Service
        metadata:
          name: web
        spec:
          selector:
            app: web
          ports:
            - port: 80
        """},
    "other namespace only": {"svc.yaml": """
        apiVersion: v1
        kind: Service
        metadata:
          name: web
          namespace: shop
        spec:
          selector:
            app: web
          ports:
            - port: 80
        """, "web.yaml": deployment("web", namespace="other")},
    "workload in another namespace, others in its own": {"svc.yaml": """
        apiVersion: v1
        kind: Service
        metadata:
          name: web
          namespace: shop
        spec:
          selector:  # <-
            app: web
          ports:
            - port: 80
        """, "web.yaml": deployment("web", namespace="other"),
        "worker.yaml": deployment("worker", namespace="shop")},
    "kind: List": {"list.yaml": """
        apiVersion: v1
        kind: List
        items:
          - apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              selector:  # <-
                app: wbe
              ports:
                - port: 80
          - apiVersion: v1
            kind: Pod
            metadata:
              name: web
              labels:
                app: web
            spec:
              containers:
                - name: web
                  image: registry.example/web:1.0
        """},
    "Job pods carry job-name": {"k8s.yaml": """
        apiVersion: v1
        kind: Service
        metadata:
          name: workers
        spec:
          clusterIP: None
          selector:
            job-name: train
        ---
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: train
        spec:
          template:
            spec:
              restartPolicy: Never
              containers:
                - name: train
                  image: registry.example/train:1.0
        """},
    "StatefulSet pod-name": {"k8s.yaml": y("""
        apiVersion: v1
        kind: Service
        metadata:
          name: db-0
        spec:
          selector:
            statefulset.kubernetes.io/pod-name: db-0
        ---
        """) + deployment("db", kind="StatefulSet")},
    "pods made by an operator": {"k8s.yaml": y("""
        apiVersion: v1
        kind: Service
        metadata:
          name: pg-rw
        spec:
          selector:
            cnpg.io/cluster: pg
            role: primary
        ---
        apiVersion: postgresql.cnpg.io/v1
        kind: Cluster
        metadata:
          name: pg
        spec:
          instances: 3
        ---
        """) + WEB},
}


@pytest.mark.parametrize("files", PF601.values(), ids=PF601.keys())
def test_pf601_service_selects_no_pods(tmp_path: Path, files: dict[str, str]) -> None:
    assert hits(tmp_path, files, "PF601") == expected(files)


# -- PF602 service-target-port-missing ------------------------------------------------------
def service(ports: str, selector: str = "app: web", name: str = "web") -> str:
    return (f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  selector:\n"
            f"    {selector}\n  ports:\n{textwrap.indent(ports, '    ')}---\n")


PF602 = {
    "numeric, declared": {"k8s.yaml": service("- port: 80\n  targetPort: 8000\n") + WEB},
    "named, declared": {"k8s.yaml": service("- port: 80\n  targetPort: http\n") + WEB},
    "numeric, not declared": {"k8s.yaml": service(
        "- port: 80\n  targetPort: 8080  # <-\n") + WEB},
    "no targetPort: defaults to port": {"k8s.yaml": service("- port: 80  # <-\n") + WEB},
    "named, wrong name": {"k8s.yaml": service("- port: 80\n  targetPort: web  # <-\n") + WEB},
    "named, containers declare no ports": {"k8s.yaml": service(
        "- port: 80\n  targetPort: http  # <-\n") + deployment("web")},
    "numeric, containers declare no ports": {"k8s.yaml": service(
        "- port: 80\n  targetPort: 8000\n") + deployment("web")},
    "numeric, in the server's --bind": {"k8s.yaml": service(
        "- port: 80\n  targetPort: 9000\n") + deployment(
        "web", ports="- containerPort: 8000\n",
        extra='\n          args: ["gunicorn", "--bind", "0.0.0.0:9000", "app:app"]')},
    "several ports, one wrong": {"k8s.yaml": service(
        "- name: http\n  port: 80\n  targetPort: http\n- name: metrics\n"
        "  port: 9102\n  targetPort: metrics  # <-\n") + WEB},
    "two workloads, one exposes": {"k8s.yaml": service(
        "- port: 80\n  targetPort: 8000\n", selector="tier: front") +
        deployment("a", labels="tier: front", ports="- containerPort: 8000\n") + "---\n" +
        deployment("b", labels="tier: front", ports="- containerPort: 9000\n")},
    "placeholder": {"k8s.yaml": service("- port: 80\n  targetPort: ${PORT}\n") + WEB},
    "selects nothing (PF601's)": {"k8s.yaml": service(
        "- port: 80\n  targetPort: 1\n", selector="app: nope") + WEB},
}


@pytest.mark.parametrize("files", PF602.values(), ids=PF602.keys())
def test_pf602_service_target_port(tmp_path: Path, files: dict[str, str]) -> None:
    assert hits(tmp_path, files, "PF602") == expected(files)


# -- PF603 / PF604 Ingress backends -------------------------------------------------------
SVC = service("- name: http\n  port: 80\n  targetPort: 8000\n").removesuffix("---\n")


def ingress_v1(service_name: str, port: str, mark: str = "", *, port_mark: str = "",
               default: bool = False, namespace: str = "") -> str:
    ns = f"\n  namespace: {namespace}" if namespace else ""
    backend = (f"service:\n  name: {service_name}{mark}\n  port:\n    {port}{port_mark}\n")
    if default:
        body = "  defaultBackend:\n" + textwrap.indent(backend, "    ")
    else:
        body = ("  rules:\n    - host: example.com\n      http:\n        paths:\n"
                "          - path: /\n            pathType: Prefix\n            backend:\n"
                + textwrap.indent(backend, " " * 14))
    return (f"apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web{ns}\n"
            f"spec:\n{body}---\n")


def ingress_legacy(service_name: str, port: str, mark: str = "", port_mark: str = "",
                   default: bool = False) -> str:
    backend = f"serviceName: {service_name}{mark}\nservicePort: {port}{port_mark}\n"
    if default:
        body = "  backend:\n" + textwrap.indent(backend, "    ")
    else:
        body = ("  rules:\n    - http:\n        paths:\n          - path: /\n"
                "            backend:\n" + textwrap.indent(backend, " " * 14))
    return (f"apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata:\n  name: web\n"
            f"spec:\n{body}---\n")


M = "  " + MARK
PF603 = {
    "v1, exists": {"k8s.yaml": ingress_v1("web", "number: 80") + SVC},
    "v1, missing": {"k8s.yaml": ingress_v1("web-svc", "number: 80", M) + SVC},
    "v1 defaultBackend, missing": {"k8s.yaml": ingress_v1("api", "number: 80", M,
                                                          default=True) + SVC},
    "legacy, missing": {"k8s.yaml": ingress_legacy("api", "80", M) + SVC},
    "legacy default backend, missing": {"k8s.yaml": ingress_legacy("api", "80", M,
                                                                   default=True) + SVC},
    "legacy, exists": {"k8s.yaml": ingress_legacy("web", "80") + SVC},
    "no Services in the inputs": {"k8s.yaml": ingress_v1("api", "number: 80")},
    "Service in another namespace": {
        "ing.yaml": ingress_v1("web", "number: 80", M, namespace="shop"),
        "svc.yaml": SVC.replace("name: web", "name: web\n  namespace: other") + "---\n" +
        SVC.replace("name: web", "name: cart\n  namespace: shop")},
    "operator resource in another namespace": {
        "ing.yaml": ingress_v1("kibana-kb-http", "number: 5601", M, namespace="shop") +
        ingress_v1("kibana-kb-http", "number: 5601", namespace="logs"),
        "svc.yaml": SVC.replace("name: web", "name: cart\n  namespace: shop") + "---\n" +
        SVC.replace("name: web", "name: es\n  namespace: logs") +
        "---\napiVersion: kibana.k8s.elastic.co/v1\nkind: Kibana\nmetadata:\n"
        "  name: kibana\n  namespace: logs\n"},
    "Service an operator makes": {"k8s.yaml": ingress_v1("kibana-kb-http", "number: 5601") +
                                  SVC + "---\napiVersion: kibana.k8s.elastic.co/v1\n"
                                  "kind: Kibana\nmetadata:\n  name: kibana\n"},
}


@pytest.mark.parametrize("files", PF603.values(), ids=PF603.keys())
def test_pf603_ingress_service_missing(tmp_path: Path, files: dict[str, str]) -> None:
    assert hits(tmp_path, files, "PF603") == expected(files)


PF604 = {
    "number, exists": {"k8s.yaml": ingress_v1("web", "number: 80") + SVC},
    "number is the container's": {"k8s.yaml": ingress_v1("web", "number: 8000",
                                                         port_mark=M) + SVC},
    "name, exists": {"k8s.yaml": ingress_v1("web", "name: http") + SVC},
    "name, missing": {"k8s.yaml": ingress_v1("web", "name: web", port_mark=M) + SVC},
    "default backend": {"k8s.yaml": ingress_v1("web", "number: 443", port_mark=M,
                                               default=True) + SVC},
    "legacy number": {"k8s.yaml": ingress_legacy("web", "80") + SVC},
    "legacy name": {"k8s.yaml": ingress_legacy("web", "http") + SVC},
    "legacy wrong": {"k8s.yaml": ingress_legacy("web", "8080", port_mark=M) + SVC},
    "Service missing (PF603's)": {"k8s.yaml": ingress_v1("api", "number: 1") + SVC},
}


@pytest.mark.parametrize("files", PF604.values(), ids=PF604.keys())
def test_pf604_ingress_service_port_missing(tmp_path: Path, files: dict[str, str]) -> None:
    assert hits(tmp_path, files, "PF604") == expected(files)


# -- PF605 / PF606 ServiceMonitor ---------------------------------------------------------
def servicemonitor(selector: str = "matchLabels:\n  app: web", *, port: str = "metrics",
                   extra: str = "", sel_mark: str = "", port_mark: str = "",
                   api: str = "monitoring.coreos.com/v1") -> str:
    return (f"apiVersion: {api}\nkind: ServiceMonitor\nmetadata:\n  name: web\n"
            f"  namespace: monitoring\nspec:\n{extra}  selector:{sel_mark}\n"
            f"{textwrap.indent(selector, '    ')}\n  endpoints:\n    - port: {port}{port_mark}\n"
            "---\n")


def labelled_service(namespace: str = "shop", labels: str = "app: web",
                     port_name: str = "metrics") -> str:
    return (f"apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: {namespace}\n"
            f"  labels:\n    {labels}\nspec:\n  selector:\n    app: web\n  ports:\n"
            f"    - name: {port_name}\n      port: 9102\n---\n")


ANY = "  namespaceSelector:\n    any: true\n"
SHOP = "  namespaceSelector:\n    matchNames: [shop]\n"
PF605 = {
    "selects": {"k8s.yaml": servicemonitor(extra=ANY) + labelled_service()},
    "Service not labelled": {"k8s.yaml": servicemonitor(extra=ANY, sel_mark=M) +
                             labelled_service(labels="team: a")},
    "matchNames, selects": {"k8s.yaml": servicemonitor(extra=SHOP) + labelled_service()},
    "matchNames, only elsewhere": {"k8s.yaml": servicemonitor(extra=SHOP, sel_mark=M) +
                                   labelled_service(labels="team: a") +
                                   labelled_service(namespace="other")},
    "own namespace has no Services": {"k8s.yaml": servicemonitor() + labelled_service()},
    "matchExpressions": {"k8s.yaml": servicemonitor(
        "matchExpressions:\n  - key: app\n    operator: In\n    values: [web, api]",
        extra=ANY) + labelled_service()},
    "not the Prometheus operator": {"k8s.yaml": servicemonitor(
        extra=ANY, api="example.com/v1") + labelled_service(labels="team: a")},
}


@pytest.mark.parametrize("files", PF605.values(), ids=PF605.keys())
def test_pf605_servicemonitor_selects_no_service(tmp_path: Path,
                                                 files: dict[str, str]) -> None:
    assert hits(tmp_path, files, "PF605") == expected(files)


PF606 = {
    "named port exists": {"k8s.yaml": servicemonitor(extra=ANY) + labelled_service()},
    "no port of that name": {"k8s.yaml": servicemonitor(extra=ANY, port_mark=M) +
                             labelled_service(port_name="http")},
    "selects nothing (PF605's)": {"k8s.yaml": servicemonitor(extra=ANY, port="x") +
                                  labelled_service(labels="team: a")},
}


@pytest.mark.parametrize("files", PF606.values(), ids=PF606.keys())
def test_pf606_servicemonitor_port_missing(tmp_path: Path, files: dict[str, str]) -> None:
    assert hits(tmp_path, files, "PF606") == expected(files)


# -- PF607 / PF608 PodMonitor -------------------------------------------------------------
def podmonitor(selector: str = "app: web", endpoint: str = "port: metrics",
               sel_mark: str = "", ep_mark: str = "") -> str:
    return (f"apiVersion: monitoring.coreos.com/v1\nkind: PodMonitor\nmetadata:\n  name: web\n"
            f"spec:\n  selector:{sel_mark}\n    matchLabels:\n      {selector}\n"
            f"  podMetricsEndpoints:\n    - {endpoint}{ep_mark}\n---\n")


METRICS = deployment("web", ports="- name: http\n  containerPort: 8000\n"
                     "- name: metrics\n  containerPort: 9102\n")
PF607 = {
    "selects": {"k8s.yaml": podmonitor() + METRICS},
    "selects nothing": {"k8s.yaml": podmonitor("app: celery", sel_mark=M) + METRICS},
    "no workloads": {"k8s.yaml": podmonitor("app: celery")},
}


@pytest.mark.parametrize("files", PF607.values(), ids=PF607.keys())
def test_pf607_podmonitor_selects_no_pods(tmp_path: Path, files: dict[str, str]) -> None:
    assert hits(tmp_path, files, "PF607") == expected(files)


PF608 = {
    "named port exists": {"k8s.yaml": podmonitor() + METRICS},
    "named port missing": {"k8s.yaml": podmonitor(ep_mark=M) + WEB},
    "no ports declared": {"k8s.yaml": podmonitor(ep_mark=M) + deployment("web")},
    "portNumber declared": {"k8s.yaml": podmonitor(endpoint="portNumber: 9102") + METRICS},
    "portNumber not declared": {"k8s.yaml": podmonitor(endpoint="portNumber: 9999",
                                                       ep_mark=M) + METRICS},
    "portNumber, no ports declared": {"k8s.yaml": podmonitor(endpoint="portNumber: 9999") +
                                      deployment("web")},
}


@pytest.mark.parametrize("files", PF608.values(), ids=PF608.keys())
def test_pf608_podmonitor_port_missing(tmp_path: Path, files: dict[str, str]) -> None:
    assert hits(tmp_path, files, "PF608") == expected(files)


# -- PF609 scrape-port-not-exposed --------------------------------------------------------
def scraped(port: str, ports: str = "- containerPort: 8000\n", extra: str = "",
            scrape: str = '"true"', mark: str = "") -> str:
    text = deployment("web", ports=ports, extra=extra)
    return text.replace("      labels:\n        app: web\n    spec:",
                        f"      labels:\n        app: web\n      annotations:\n"
                        f"        prometheus.io/scrape: {scrape}\n"
                        f"        prometheus.io/port: {port}{mark}\n    spec:")


PF609 = {
    "declared": {"k8s.yaml": scraped('"9102"', "- containerPort: 8000\n"
                                               "- containerPort: 9102\n")},
    "not declared": {"k8s.yaml": scraped('"9102"', mark=M)},
    "no ports declared at all": {"k8s.yaml": scraped('"9102"', ports="")},
    "in the command line": {"k8s.yaml": scraped(
        '"9102"', extra='\n          args: ["--metrics-port=9102"]')},
    "not a number": {"k8s.yaml": scraped("metrics", mark=M)},
    "scrape false": {"k8s.yaml": scraped('"9102"', scrape='"false"')},
    "on the Service": {"k8s.yaml": y("""
        apiVersion: v1
        kind: Service
        metadata:
          name: web
          annotations:
            prometheus.io/scrape: "true"
            prometheus.io/port: "80"  # <-
        spec:
          selector:
            app: web
          ports:
            - port: 80
              targetPort: 8000
        ---
        """) + WEB},
}


@pytest.mark.parametrize("files", PF609.values(), ids=PF609.keys())
def test_pf609_scrape_port_not_exposed(tmp_path: Path, files: dict[str, str]) -> None:
    assert hits(tmp_path, files, "PF609") == expected(files)


def test_ingress_and_service_in_a_list(tmp_path: Path) -> None:
    text = "apiVersion: v1\nkind: List\nitems:\n" + "".join(
        "  - " + textwrap.indent(doc, "    ")[4:] + "\n"
        for doc in (ingress_v1("web", "name: metrics").removesuffix("---\n"), SVC))
    assert hits(tmp_path, {"list.yaml": text}, "PF604") == [("list.yaml", 19)]
    assert hits(tmp_path / "b", {"list.yaml": text}, "PF603") == []


def test_messages_name_objects_and_fix(tmp_path: Path) -> None:
    files = {"k8s.yaml": service("- port: 80\n") + WEB}
    [finding] = check_files(tmp_path, files, ("PF602",)).findings
    assert finding.message == (
        "Service 'web' targets containerPort 80 (no targetPort: it defaults to port), which "
        "the containers of Deployment/web do not expose (declared: 8000); set targetPort: "
        "http")
    files = {"k8s.yaml": y("""
        apiVersion: v1
        kind: Service
        metadata:
          name: web
          namespace: shop
        spec:
          selector:
            app: wbe
        """) + "---\n" + deployment("web", namespace="shop")}
    [finding] = check_files(tmp_path / "b", files, ("PF601",)).findings
    assert finding.message == (
        "Service 'web' in namespace 'shop' selects pods with app=wbe, but no workload among the "
        "inputs in its namespace has these labels: without endpoints its clients get connection "
        "refused; make the selector match the pod template labels (if the pods come from "
        "elsewhere — a chart, another repository — check them together or ignore PF601 here)")


# -- PF610 scrape-annotation-not-on-pods --------------------------------------------------
ON_WORKLOAD = WEB.replace("  name: web\n", "  name: web\n  annotations:\n"
                          "    prometheus.io/scrape: \"true\"  # <-\n"
                          "    prometheus.io/port: \"8000\"\n", 1)
PF610 = {
    "on the Deployment": {"k8s.yaml": ON_WORKLOAD},
    "on the pod template": {"k8s.yaml": scraped('"8000"')},
    "on both": {"k8s.yaml": scraped('"8000"').replace(
        "  name: web\n", "  name: web\n  annotations:\n    prometheus.io/scrape: \"true\"\n", 1)},
    "other annotations only": {"k8s.yaml": WEB.replace(
        "  name: web\n", "  name: web\n  annotations:\n    team: shop\n", 1)},
    "a bare Pod": {"k8s.yaml": y("""
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
          annotations:
            prometheus.io/scrape: "true"
        spec:
          containers:
            - name: web
              image: registry.example/web:1.0
        """)},
    "a CronJob": {"k8s.yaml": y("""
        apiVersion: batch/v1
        kind: CronJob
        metadata:
          name: report
          annotations:
            prometheus.io/port: "9102"  # <-
        spec:
          schedule: "@daily"
          jobTemplate:
            spec:
              template:
                metadata:
                  annotations:
                    team: shop
                spec:
                  restartPolicy: Never
                  containers:
                    - name: report
                      image: registry.example/report:1.0
        """)},
}


@pytest.mark.parametrize("files", PF610.values(), ids=PF610.keys())
def test_pf610_scrape_annotation_not_on_pods(tmp_path: Path, files: dict[str, str]) -> None:
    assert hits(tmp_path, files, "PF610") == expected(files)


@pytest.mark.parametrize("name", ["on the Deployment", "a CronJob"])
def test_pf610_fix_moves_them_to_the_pods(tmp_path: Path, name: str) -> None:
    from podfit.check.fixer import apply_yaml_edits

    text = y(PF610[name]["k8s.yaml"])
    [finding] = check_files(tmp_path, {"k8s.yaml": text}, ("PF610",)).findings
    assert finding.fix is not None
    assert str(finding.fix.safety) == "safe"
    after = apply_yaml_edits(text, finding.fix.yaml_edits)
    assert check_files(tmp_path / "after", {"k8s.yaml": after}, ("PF610",)).findings == ()
    assert apply_yaml_edits(after, finding.fix.yaml_edits) == after
    assert after.count("prometheus.io/") == 2 * text.count("prometheus.io/")
