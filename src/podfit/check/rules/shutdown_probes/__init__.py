"""podfit check rules: shutdown and probes."""

#: Rule modules of this package, registered explicitly (a test compares with the files).
MODULES: tuple[str, ...] = (
    "readiness_probe_missing", "liveness_same_as_readiness", "liveness_timeout_too_short",
    "startup_probe_missing", "probe_port_not_exposed",
    "shell_form_server_command", "entrypoint_script_without_exec", "shell_wrapper_without_exec",
    "dev_server", "grace_period_too_short", "missing_prestop_delay",
    "unbounded_graceful_shutdown", "keepalive_below_proxy_timeout", "dev_server_in_module",
    "uwsgi_sigterm_reloads", "uwsgi_grace_period_too_short",
)
