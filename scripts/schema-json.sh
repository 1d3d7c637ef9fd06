#!/usr/bin/env bash
# Prints `terraform providers schema -json` for a provider binary (default: this checkout's
# debug build), installed into a throw-away filesystem mirror. Used to prove that a
# refactoring leaves every resource, data source and provider schema byte-identical:
#   scripts/schema-json.sh /path/to/old/terraform-provider-mlops > before.json
#   scripts/schema-json.sh > after.json && cmp before.json after.json
set -euo pipefail
REPO="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
BIN="$(readlink -f "${1:-${CARGO_TARGET_DIR:-$REPO/target}/debug/terraform-provider-mlops}")"
VERSION=0.1.0
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
MIRROR="$WORK/mirror/registry.terraform.io/mlops/mlops/$VERSION/linux_amd64"
mkdir -p "$MIRROR" "$WORK/config"
cp "$BIN" "$MIRROR/terraform-provider-mlops_v$VERSION"
cat > "$WORK/cli.tfrc" <<TFRC
provider_installation {
  filesystem_mirror {
    path    = "$WORK/mirror"
    include = ["registry.terraform.io/mlops/mlops"]
  }
  direct { exclude = ["registry.terraform.io/mlops/mlops"] }
}
TFRC
cat > "$WORK/config/main.tf" <<'TF'
terraform {
  required_providers {
    mlops = { source = "mlops/mlops" }
  }
}
TF
export TF_CLI_CONFIG_FILE="$WORK/cli.tfrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
"$REPO/scripts/terraform" -chdir="$WORK/config" init -input=false >/dev/null
"$REPO/scripts/terraform" -chdir="$WORK/config" providers schema -json
