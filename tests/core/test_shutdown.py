"""The one shutdown budget, and check, init and the runtime agreeing on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from podfit.core import shutdown
from podfit.core.shutdown import MARGIN, ShutdownBudget
from podfit.runtime import drain
from podfit.runtime.drain import DrainSettings
from tests.check.helpers import hits
from tests.generate.test_plan import FLASK, plan_for

_DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      terminationGracePeriodSeconds: {grace}
      containers:
        - name: web
          image: registry.example/web:1.0
          command: ["gunicorn", "--graceful-timeout", "{graceful}", "app:app"]
          lifecycle:
            preStop:
              sleep: {{seconds: {prestop}}}
"""


def test_runtime_copy_equals_core() -> None:
    # the runtime imports nothing from podfit, so it keeps a copy of the figures
    assert (drain.MARGIN, drain.DEFAULT_DRAIN, drain.DEFAULT_GRACE) == (
        shutdown.MARGIN, shutdown.DEFAULT_DRAIN, shutdown.DEFAULT_GRACE)


def test_budget_adds_every_phase() -> None:
    budget = ShutdownBudget(prestop=5, drain=2, graceful=20)
    assert budget.grace_period == 5 + 2 + 20 + MARGIN
    assert budget.runtime_grace == budget.grace_period - 5
    assert budget.fits(budget.grace_period)
    assert not budget.fits(budget.grace_period - 1)


def test_runtime_gives_back_the_graceful_timeout() -> None:
    budget = ShutdownBudget(drain=4, graceful=17)
    settings = DrainSettings(drain_seconds=4, grace_seconds=budget.runtime_grace)
    assert settings.shutdown_timeout == 17


# Drift bug (issue 8): check's rule kept a 5 s margin, init's Plan an 8 s one (and 3 s for
# the runtime): check flagged, or init over-sized, the same preStop + graceful timeout.
def test_check_and_init_agree_on_the_grace_period(tmp_path: Path) -> None:
    web = plan_for(tmp_path / "app", FLASK).web
    assert web.grace_period == ShutdownBudget(web.prestop_seconds, 0,
                                              web.shutdown_seconds).grace_period
    assert dict(web.env)["PODFIT_GRACE_SECONDS"] == str(web.grace_period - web.prestop_seconds)
    for grace, flagged in [(web.grace_period, False), (web.grace_period - 1, True)]:
        manifest = _DEPLOYMENT.format(grace=grace, graceful=web.shutdown_seconds,
                                      prestop=web.prestop_seconds)
        found = hits(tmp_path / str(grace), {"deploy.yaml": manifest}, "PF544")
        assert bool(found) is flagged, (grace, found)


@pytest.mark.parametrize("prestop", [0, 10])
def test_check_flags_exactly_above_the_budget(tmp_path: Path, prestop: int) -> None:
    needed = ShutdownBudget(prestop=prestop, graceful=25).grace_period
    ok = _DEPLOYMENT.format(grace=needed, graceful=25, prestop=prestop)
    short = _DEPLOYMENT.format(grace=needed - 1, graceful=25, prestop=prestop)
    assert hits(tmp_path / "ok", {"deploy.yaml": ok}, "PF544") == []
    assert hits(tmp_path / "short", {"deploy.yaml": short}, "PF544") == [("deploy.yaml", 9)]
