"""podfit check rules: images."""

#: Rule modules of this package, registered explicitly (a test compares with the files).
MODULES: tuple[str, ...] = (
    "unpinned_base_image",
    "full_python_runtime_image",
    "alpine_native_dependencies",
    "compilers_in_final_image",
    "source_before_dependencies",
    "package_cache_in_layer",
    "unpinned_pip_install",
    "apt_install_recommends",
    "apt_lists_in_layer",
    "mergeable_run_layers",
    "secret_in_env_or_arg",
    "add_instead_of_copy",
    "context_not_ignored",
    "image_runs_as_root",
    "dont_write_bytecode_in_image",
    "dependencies_without_bytecode",
    "package_runner_at_runtime",
    "end_of_life_python_base",
    "unpinned_requirement",
    "server_not_installed",
)
