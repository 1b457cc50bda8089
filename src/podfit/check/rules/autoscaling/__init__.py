"""podfit check rules: autoscaling."""

#: Rule modules of this package, registered explicitly (a test compares with the files).
MODULES: tuple[str, ...] = ("hpa_utilization_without_request", "hpa_target_missing",
                            "hpa_managed_replicas", "hpa_single_replica", "hpa_max_not_above_min",
                            "pdb_selects_no_pods", "pdb_blocks_drain",
                            "rollout_leaves_no_ready_pods", "pdb_allows_zero_pods")
