#!/usr/bin/env bash
# The quickstart on a fresh machine: sets up the Python env (emulator + Terraform), starts
# the local AWS emulator, builds the provider, installs it into a local filesystem mirror,
# and runs `terraform init` + `terraform apply` on examples/quickstart.
#
#   scripts/quickstart.sh           # set up, apply, print outputs
#   scripts/quickstart.sh destroy   # terraform destroy, then stop the emulator
set -euo pipefail
REPO="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
WORK="$REPO/.work/quickstart"
EXAMPLE="$REPO/examples/quickstart"
VERSION=0.1.0
TF="$REPO/scripts/terraform"
mkdir -p "$WORK"

emulator_env() {
    export TF_CLI_CONFIG_FILE="$WORK/cli.tfrc" AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
        AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true CHECKPOINT_DISABLE=1 \
        MLOPS_POLL_INTERVAL_MS=200 TF_DATA_DIR="$WORK/.terraform"
    export AWS_ENDPOINT_URL="http://127.0.0.1:$(cat "$WORK/emulator.port")"
}

stop_emulator() {
    if [[ -f "$WORK/emulator.pid" ]]; then
        kill "$(cat "$WORK/emulator.pid")" 2>/dev/null || true
        rm -f "$WORK/emulator.pid" "$WORK/emulator.port"
    fi
}

if [[ "${1:-}" == "destroy" ]]; then
    if [[ -f "$WORK/emulator.port" ]]; then
        emulator_env
        (cd "$EXAMPLE" && "$TF" destroy -auto-approve -input=false -state="$WORK/terraform.tfstate")
    fi
    stop_emulator
    echo "Destroyed the quickstart and stopped the emulator."
    exit 0
fi

echo "==> Python environment (emulator, Terraform CLI)"
"$REPO/scripts/setup-python.sh"

echo "==> Building the provider"
cargo build --quiet -p terraform-provider-mlops --manifest-path "$REPO/Cargo.toml"
BIN="${CARGO_TARGET_DIR:-$REPO/target}/debug/terraform-provider-mlops"

echo "==> Installing it into a local filesystem mirror"
MIRROR="$WORK/mirror/registry.terraform.io/mlops/mlops/$VERSION/linux_amd64"
mkdir -p "$MIRROR"
cp "$BIN" "$MIRROR/terraform-provider-mlops_v$VERSION"
cat > "$WORK/cli.tfrc" <<CFG
provider_installation {
  filesystem_mirror {
    path    = "$WORK/mirror"
    include = ["registry.terraform.io/mlops/mlops"]
  }
  direct {
    exclude = ["registry.terraform.io/mlops/mlops"]
  }
}
CFG

echo "==> Starting the local AWS emulator"
stop_emulator
"$REPO/.venv/bin/python" -m mlops_emulator --host 127.0.0.1 --port 0 \
    --port-file "$WORK/emulator.port" > "$WORK/emulator.log" 2>&1 &
echo $! > "$WORK/emulator.pid"
for _ in $(seq 1 100); do [[ -s "$WORK/emulator.port" ]] && break; sleep 0.1; done
[[ -s "$WORK/emulator.port" ]] || { echo "emulator did not start; see $WORK/emulator.log"; exit 1; }
emulator_env
echo "    emulator at $AWS_ENDPOINT_URL (pid $(cat "$WORK/emulator.pid"))"

echo "==> terraform init / apply in examples/quickstart"
cd "$EXAMPLE"
# a rebuilt provider has a new checksum: start from a fresh lock file
rm -f "$EXAMPLE/.terraform.lock.hcl"
"$TF" init -input=false -no-color | grep -E "Installing|Installed|initialized" || true
"$TF" apply -auto-approve -input=false -state="$WORK/terraform.tfstate"
echo
echo "==> Outputs"
"$TF" output -state="$WORK/terraform.tfstate"
cat <<MSG

The quickstart registered and approved a model version and read it back through the
mlops_model_package data source. Next:
  - change approval_status or add a version in examples/quickstart/main.tf and re-run this script
  - scripts/quickstart.sh destroy    # destroy everything and stop the emulator
MSG
