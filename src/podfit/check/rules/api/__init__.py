"""podfit check rules: API versions (removed, deprecated, schema)."""

#: Rule modules of this package, registered explicitly (a test compares with the files).
MODULES: tuple[str, ...] = ("removed_api_version", "deprecated_api_version", "schema_validation")
