"""podfit check rules: resources."""

#: Rule modules of this package, registered explicitly (a test compares with the files).
MODULES: tuple[str, ...] = ("cpu_request_missing", "memory_request_missing",
                            "memory_limit_missing", "memory_limit_far_above_request",
                            "cpu_limit_policy")
