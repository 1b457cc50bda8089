"""podfit check rules: service discovery (Services, Ingresses, Prometheus targets)."""

#: Rule modules of this package, registered explicitly (a test compares with the files).
MODULES: tuple[str, ...] = (
    "service_selects_no_pods", "service_target_port_missing", "ingress_service_missing",
    "ingress_service_port_missing", "servicemonitor_selects_no_service",
    "servicemonitor_port_missing", "podmonitor_selects_no_pods", "podmonitor_port_missing",
    "scrape_port_not_exposed", "scrape_annotation_not_on_pods",
)
