"""podfit check rules: shutdown."""

#: Rule modules of this package, registered explicitly (a test compares with the files).
MODULES: tuple[str, ...] = (
    "shell_form_server_command", "entrypoint_script_without_exec", "shell_wrapper_without_exec",
    "dev_server", "grace_period_too_short", "missing_prestop_delay",
    "unbounded_graceful_shutdown", "keepalive_below_proxy_timeout",
)
