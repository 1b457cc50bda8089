"""``podfit check``: static checks of Dockerfiles, Kubernetes manifests and server config."""
