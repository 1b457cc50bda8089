"""podfit check rules: security (the restricted Pod Security profile, images, API tokens)."""

#: Rule modules of this package, registered explicitly (a test compares with the files).
MODULES: tuple[str, ...] = (
    "privileged_container", "privilege_escalation_allowed", "capabilities_not_dropped",
    "capability_added", "run_as_non_root_unset", "runs_as_root", "writable_root_filesystem",
    "image_tag_latest", "service_account_token_mounted", "seccomp_profile_unset",
    "host_namespace_shared", "debug_mode_env", "committed_secret_data", "credentials_in_env",
)
