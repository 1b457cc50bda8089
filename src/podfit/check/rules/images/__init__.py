"""podfit check rules: images."""

#: Rule modules of this package, registered explicitly (a test compares with the files).
MODULES: tuple[str, ...] = ("unpinned_base_image",)
