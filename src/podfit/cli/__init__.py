"""The command line: the only layer that prints and maps errors to exit codes."""
