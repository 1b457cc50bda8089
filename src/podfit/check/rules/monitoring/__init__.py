"""podfit check rules: monitoring."""

#: Rule modules of this package, registered explicitly (a test compares with the files).
MODULES: tuple[str, ...] = ("python_unbuffered_unset", "prometheus_multiproc_dir")
