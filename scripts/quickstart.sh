#!/usr/bin/env bash
# The quickstart on a fresh machine: sets up the Python env (emulator + Terraform), starts
# the local AWS emulator, builds the provider, installs it into a local filesystem mirror,
# and runs `terraform init` + `terraform apply` on examples/quickstart.
#
#   scripts/quickstart.sh           # set up, apply, print outputs
#   scripts/quickstart.sh destroy   # terraform destroy, then stop the emulator
#
# It installs a release build (about 20 MB; the first build takes about 11 minutes on 2 cores:
# fat LTO, one codegen unit). MLOPS_QUICKSTART_PROFILE=debug installs the debug build instead
# (over 200 MB, but already there after `cargo build`): scripts/test.sh does, to reuse the
# binary its tests ran and keep CI short.
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

PROFILE="${MLOPS_QUICKSTART_PROFILE:-release}"
case "$PROFILE" in
    release) echo "==> Building the provider (release: about 11 minutes on 2 cores the first time)"
             cargo build --quiet --release -p terraform-provider-mlops --manifest-path "$REPO/Cargo.toml" ;;
    debug)   echo "==> Building the provider (debug build, MLOPS_QUICKSTART_PROFILE=debug)"
             cargo build --quiet -p terraform-provider-mlops --manifest-path "$REPO/Cargo.toml" ;;
    *)       echo "MLOPS_QUICKSTART_PROFILE must be release or debug, not $PROFILE" >&2; exit 2 ;;
esac
BIN="${CARGO_TARGET_DIR:-$REPO/target}/$PROFILE/terraform-provider-mlops"
echo "    $BIN ($(( $(stat -c %s "$BIN") / 1048576 )) MiB)"

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
# What the apply made, by resource type, from the state.
made="$("$TF" state list -state="$WORK/terraform.tfstate" | grep -v '^data\.' \
    | sed -E 's/^([a-z_]+)\..*/\1/' | sort | uniq -c | awk '{printf "  %s x %s\n", $1, $2}')"
cat <<MSG

The quickstart installed the $PROFILE build of the provider from a local filesystem mirror
and applied examples/quickstart against the local AWS emulator at $AWS_ENDPOINT_URL.
Resources in its state ($WORK/terraform.tfstate):
$made
Next:
  - change examples/quickstart/main.tf (e.g. approve another version) and re-run this script:
    the plan shows the change and the apply makes it
  - scripts/quickstart.sh destroy    # destroy everything and stop the emulator
MSG
