"""The ``recommend`` engine: right-size workloads from a cluster's Prometheus history.

``sources`` talks to the Prometheus HTTP API, ``model`` turns history into figures with
reasons, ``apply`` edits manifests. Everything here returns data and never prints.
"""
