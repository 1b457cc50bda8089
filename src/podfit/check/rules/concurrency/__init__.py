"""podfit check rules: concurrency."""

#: Rule modules of this package, registered explicitly (a test compares with the files).
MODULES: tuple[str, ...] = (
    "workers_exceed_cpu", "workers_from_node_cpus", "celery_concurrency_unset",
    "celery_concurrency_exceeds_cpu", "sync_workers_fractional_cpu", "blas_threads_unset",
    "workers_exceed_memory", "base_image_workers_from_node", "uwsgi_processes_exceed_cpu",
    "uwsgi_processes_exceed_memory", "base_image_workers_exceed_memory",
)
