"""The check model: the parsed inputs of one run, linked and indexed once (see
:mod:`podfit.check.model.model`); one module per noun."""

from podfit.check.model.model import Model, build_model

__all__ = ["Model", "build_model"]
