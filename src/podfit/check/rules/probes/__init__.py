"""podfit check rules: probes."""

#: Rule modules of this package, registered explicitly (a test compares with the files).
MODULES: tuple[str, ...] = ("readiness_probe_missing", "liveness_same_as_readiness",
                            "liveness_timeout_short", "startup_probe_missing",
                            "probe_port_not_exposed")
