"""podfit: make Python apps run well on Kubernetes, from measurements.

The public API is small on purpose: the verbs live behind the ``podfit`` command, and the
in-pod library is :mod:`podfit.runtime`, which never imports this package's heavier parts.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
