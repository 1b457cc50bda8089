"""## What it does
Reports a `Secret` manifest with real values in `data` or `stringData`: values that decode to
something other than a placeholder (`changeme`, `${VAR}`, `<password>`, empty…).
Service-account token Secrets, which Kubernetes fills in, are skipped.

Needs: the Secret object. Not Python-specific.

## Why is this bad?
Base64 is an encoding, not encryption: anyone who can read the repository — every clone, fork,
CI log and backup — has the credential, and removing it later leaves it in the history.

## Example
```yaml
apiVersion: v1
kind: Secret
metadata: {name: db}
stringData:
  password: s3cr3t-Pa55
```

## Use instead
Commit a SealedSecret or an ExternalSecret, or create the Secret at deploy time
(`kubectl create secret … --from-env-file`, your CI's secret store); keep only placeholders
in the repository.

## Fix safety
No automatic fix: the credential must be rotated, not just removed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from podfit.check.model import Model
from podfit.check.model.workloads import key_line
from podfit.check.rule import Category, Hit, Rule
from podfit.core.credentials import decoded, is_placeholder
from podfit.core.models import Severity

RULE = Rule(code="PF813", name="committed-secret-data", severity=Severity.ERROR,
            summary="A Secret manifest in the inputs carries real credential values.",
            category=Category.SECURITY)

_FILLED_IN = frozenset({"kubernetes.io/service-account-token"})


def check(model: Model) -> Iterator[Hit]:
    for secret in model.objects_of("Secret"):
        if str(secret.data.get("type", "")) in _FILLED_IN:
            continue
        real: list[tuple[int, str]] = []
        for field, encoded in (("data", True), ("stringData", False)):
            values = secret.data.get(field)
            if not isinstance(values, Mapping):
                continue
            for key, value in values.items():
                if value is None:
                    continue
                text = decoded(str(value)) if encoded else str(value)
                if text is not None and not is_placeholder(text, str(key)):
                    real.append((key_line(values, str(key), secret.line), str(key)))
        if real:
            keys = ", ".join(k for _, k in real)
            yield Hit(secret.path, real[0][0],
                      f"{secret.ref} is committed with real values ({keys}): anyone with the "
                      "repository has them; rotate them and commit a SealedSecret/"
                      "ExternalSecret or create the Secret at deploy time")
