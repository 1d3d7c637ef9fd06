#!/usr/bin/env bash
# Performance snapshot of terraform-provider-mlops, all measured in one run, side by side:
#   1. release build (cargo build --release -p terraform-provider-mlops) and binary size
#   2. provider start -> handshake line -> GetProviderSchema response, N runs, plain gRPC
#      (TF_DISABLE_PLUGIN_TLS=1) and AutoMTLS (PLUGIN_CLIENT_CERT, the way Terraform starts it)
#   3. idle memory (VmRSS / VmHWM) after the schema was served and 1 s of idling
#   4. `terraform plan -refresh=false` wall time, 200 x mlops_model_package_group (against a
#      started emulator) versus 200 x terraform_data (Terraform core's floor), alternating;
#      and 200 x minimal_thing (framework/examples/minimal_provider.rs: one resource, no API,
#      the floor of any provider on our framework), alternating;
#      plus the same with 1 resource each, the 200 groups with a tag each, provider launches
#      per plan, and the emulator's request count after all plans (no API calls are expected
#      at plan time)
#   5. a markdown table on stdout; with --write-doc the generated block of
#      docs/performance.md is rewritten (the hand-written text around it is kept)
#
# Usage: scripts/perf.sh [--write-doc]
# Environment:
#   PERF_SKIP_BUILD=1     use the existing target/release/terraform-provider-mlops
#   PERF_RUNS=10          startup runs per mode
#   PERF_PLAN_REPS=5      timed plans of each 200-resource configuration (after one untimed
#                         warm-up each), alternating mlops / terraform_data
#   PERF_SMALL_REPS=3     timed plans of the 1-resource configurations (0 skips them)
#   PERF_TAGGED_REPS=3    timed plans of the big mlops configuration with `tags = { team = "ml" }`
#                         on every group (0 skips them)
#   PERF_RESOURCES=200    resources in the big configurations
#   PERF_GRPC_VENV=dir    venv with grpcio for the gRPC client (default /tmp/mlops-perf-grpc-venv,
#                         created on first use with `pip install grpcio` and kept as a cache)
#   PYTHON=python3        interpreter for that venv
# Needs: scripts/setup-python.sh's .venv (called here; idempotent), openssl, curl.
# Everything else lives in a temp dir that is removed on exit, with every process started.
set -euo pipefail

REPO="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
WRITE_DOC=0
for arg in "$@"; do
    case "$arg" in
        --write-doc) WRITE_DOC=1 ;;
        -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "perf: unknown argument $arg" >&2; exit 2 ;;
    esac
done

RUNS="${PERF_RUNS:-10}"
REPS="${PERF_PLAN_REPS:-5}"
SMALL_REPS="${PERF_SMALL_REPS:-3}"
TAGGED_REPS="${PERF_TAGGED_REPS:-3}"
NRES="${PERF_RESOURCES:-200}"
GRPC_VENV="${PERF_GRPC_VENV:-/tmp/mlops-perf-grpc-venv}"
PYTHON="${PYTHON:-python3}"
BIN="$REPO/target/release/terraform-provider-mlops"
MINBIN="$REPO/target/release/examples/minimal_provider"
TF="$REPO/scripts/terraform"
MEASURE="$REPO/scripts/perf_measure.py"
VPY="$REPO/.venv/bin/python"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/mlops-perf.XXXXXX")"
EMU_PID=""
CHILD=""

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [[ -n "$CHILD" ]] && kill -0 "$CHILD" 2>/dev/null; then
        kill -TERM "$CHILD" 2>/dev/null || true
        wait "$CHILD" 2>/dev/null || true
    fi
    if [[ -n "$EMU_PID" ]] && kill -0 "$EMU_PID" 2>/dev/null; then
        kill -TERM "$EMU_PID" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$EMU_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$EMU_PID" 2>/dev/null || true
        wait "$EMU_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'echo "perf: failed (status $?) at line $LINENO: $BASH_COMMAND" >&2' ERR
trap 'exit 130' INT
trap 'exit 143' TERM

log() { echo "perf: $*" >&2; }

# Run a command in the background (so the traps can reach it) and wait for it.
run() {
    "$@" &
    CHILD=$!
    local rc=0
    wait "$CHILD" || rc=$?
    CHILD=""
    return "$rc"
}

now_ns() { date +%s%N; }

# --- 1. build ------------------------------------------------------------------------------
if [[ "${PERF_SKIP_BUILD:-0}" != "1" ]]; then
    log "cargo build --release -p terraform-provider-mlops"
    run cargo build --release -p terraform-provider-mlops --manifest-path "$REPO/Cargo.toml"
    log "cargo build --release -p mlops-framework --example minimal_provider"
    run cargo build --release -p mlops-framework --example minimal_provider --manifest-path "$REPO/Cargo.toml"
fi
[[ -x "$MINBIN" ]] || { log "$MINBIN not found (build it or unset PERF_SKIP_BUILD)"; exit 1; }
[[ -x "$BIN" ]] || { log "$BIN not found (build it or unset PERF_SKIP_BUILD)"; exit 1; }
SIZE=$(stat -c %s "$BIN")
T_START=$(date +%s)   # the reported wall time excludes the build
log "binary: $SIZE bytes"

# --- Python environments ---------------------------------------------------------------------
run "$REPO/scripts/setup-python.sh"
if ! "$GRPC_VENV/bin/python" -c 'import grpc' 2>/dev/null; then
    if [[ -e "$GRPC_VENV" && ! -f "$GRPC_VENV/pyvenv.cfg" ]]; then
        log "$GRPC_VENV exists and is not a venv; set PERF_GRPC_VENV to another path"; exit 1
    fi
    log "installing grpcio into $GRPC_VENV (gRPC client for the startup measurement)"
    [[ -x "$GRPC_VENV/bin/python" ]] || run "$PYTHON" -m venv "$GRPC_VENV"
    run "$GRPC_VENV/bin/python" -m pip install --quiet --disable-pip-version-check 'grpcio==1.85.1'
fi
GPY="$GRPC_VENV/bin/python"

# --- machine ---------------------------------------------------------------------------------
CPU_MODEL="$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
COMMIT="$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git -C "$REPO" status --porcelain 2>/dev/null)" ]]; then COMMIT="$COMMIT (+ uncommitted changes)"; fi
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"

# Terraform's own environment: our CLI config, no checkpoint calls, no logs, no plugin cache.
unset TF_LOG TF_LOG_PATH TF_LOG_CORE TF_LOG_PROVIDER TF_PLUGIN_CACHE_DIR TF_DATA_DIR \
      TF_REATTACH_PROVIDERS TF_CLI_ARGS TF_CLI_ARGS_plan TF_CLI_ARGS_init TF_WORKSPACE \
      AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE
export TF_CLI_CONFIG_FILE="$WORK/terraformrc"
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_EC2_METADATA_DISABLED=true
export AWS_CONFIG_FILE="$WORK/no-aws-config" AWS_SHARED_CREDENTIALS_FILE="$WORK/no-aws-credentials"
# The provider reaches Terraform through a filesystem mirror (a copy of the built binary).
MIRROR="$WORK/mirror"
PDIR="$MIRROR/registry.terraform.io/mlops/mlops/0.1.0/linux_amd64"
mkdir -p "$PDIR"
cp "$BIN" "$PDIR/terraform-provider-mlops_v0.1.0"
MDIR="$MIRROR/registry.terraform.io/mlops/minimal/0.1.0/linux_amd64"
mkdir -p "$MDIR"
cp "$MINBIN" "$MDIR/terraform-provider-minimal_v0.1.0"
cat > "$TF_CLI_CONFIG_FILE" <<EOF
provider_installation {
  filesystem_mirror {
    path    = "$MIRROR"
    include = ["registry.terraform.io/mlops/mlops", "registry.terraform.io/mlops/minimal"]
  }
  direct {
    exclude = ["registry.terraform.io/mlops/mlops", "registry.terraform.io/mlops/minimal"]
  }
}
EOF

TF_VERSION="$("$TF" version)"   # (no `| head -1`: with pipefail, SIGPIPE there can kill the script)
TF_VERSION="${TF_VERSION%%$'\n'*}"

# --- 2 + 3. startup and idle memory ------------------------------------------------------------
log "startup: $RUNS runs, plain gRPC"
run "$GPY" "$MEASURE" startup --binary "$BIN" --runs "$RUNS" --idle 1 --tmp "$WORK" > "$WORK/startup_plain.json"
log "startup: $RUNS runs, AutoMTLS"
run "$GPY" "$MEASURE" startup --binary "$BIN" --runs "$RUNS" --idle 1 --tmp "$WORK" --tls > "$WORK/startup_tls.json"

# --- 4. terraform plan -------------------------------------------------------------------------
log "starting the emulator"
"$VPY" -m mlops_emulator --host 127.0.0.1 --port 0 > "$WORK/emu.out" 2> "$WORK/emu.err" &
EMU_PID=$!
PORT=""
for _ in $(seq 300); do
    PORT="$(sed -n 's/^MLOPS_EMULATOR_READY port=\([0-9]*\).*/\1/p' "$WORK/emu.out")"
    [[ -n "$PORT" ]] && break
    kill -0 "$EMU_PID" 2>/dev/null || { cat "$WORK/emu.err" >&2; log "emulator exited"; exit 1; }
    sleep 0.1
done
[[ -n "$PORT" ]] || { log "emulator not ready after 30 s"; exit 1; }
EMU="http://127.0.0.1:$PORT"
export AWS_ENDPOINT_URL="$EMU"
log "emulator on port $PORT"

# make_config DIR KIND COUNT
make_config() {
    local dir="$1" kind="$2" n="$3" i id
    mkdir -p "$dir"
    {
        if [[ "$kind" == mlops* ]]; then
            cat <<'EOF'
terraform {
  required_providers {
    mlops = {
      source  = "mlops/mlops"
      version = "0.1.0"
    }
  }
}

provider "mlops" {
  region = "us-east-1"
}
EOF
        elif [[ "$kind" == minimal ]]; then
            cat <<'EOF'
terraform {
  required_providers {
    minimal = {
      source  = "mlops/minimal"
      version = "0.1.0"
    }
  }
}
EOF
        fi
        for ((i = 1; i <= n; i++)); do
            printf -v id '%03d' "$i"
            if [[ "$kind" == mlops ]]; then
                printf '\nresource "mlops_model_package_group" "g%s" {\n  name = "g-%s"\n}\n' "$id" "$id"
            elif [[ "$kind" == minimal ]]; then
                printf '\nresource "minimal_thing" "g%s" {\n  name = "g-%s"\n}\n' "$id" "$id"
            elif [[ "$kind" == mlops-tags ]]; then
                printf '\nresource "mlops_model_package_group" "g%s" {\n  name = "g-%s"\n  tags = { team = "ml" }\n}\n' "$id" "$id"
            else
                printf '\nresource "terraform_data" "g%s" {\n  input = "g-%s"\n}\n' "$id" "$id"
            fi
        done
    } > "$dir/main.tf"
    run "$TF" -chdir="$dir" init -input=false -no-color > "$dir/init.log" 2>&1 \
        || { cat "$dir/init.log" >&2; log "terraform init failed in $dir"; exit 1; }
}

# plan_once DIR COUNT [OUT]: one plan; fails unless it adds COUNT resources; appends the wall
# time in seconds to OUT (if given). Runs in this shell (no subshell), so the traps reach it.
plan_once() {
    local dir="$1" n="$2" out="${3:-}" t0 t1 s
    t0=$(now_ns)
    run "$TF" -chdir="$dir" plan -refresh=false -input=false -no-color > "$dir/plan.log" 2>&1 \
        || { cat "$dir/plan.log" >&2; log "terraform plan failed in $dir"; exit 1; }
    t1=$(now_ns)
    grep -q "Plan: $n to add, 0 to change, 0 to destroy" "$dir/plan.log" \
        || { cat "$dir/plan.log" >&2; log "unexpected plan in $dir"; exit 1; }
    s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", (b - a) / 1e9 }')
    if [[ -n "$out" ]]; then echo "$s" >> "$out"; fi
    if [[ "${dir##*/}" == mlops* ]]; then MLOPS_PLANS=$((MLOPS_PLANS + 1)); fi
    LAST="$s"
}

log "terraform init (one working dir per configuration)"
make_config "$WORK/tfdata" tfdata "$NRES"
make_config "$WORK/mlops" mlops "$NRES"
make_config "$WORK/minimal" minimal "$NRES"
if (( SMALL_REPS > 0 )); then
    make_config "$WORK/tfdata1" tfdata 1
    make_config "$WORK/mlops1" mlops 1
fi
if (( TAGGED_REPS > 0 )); then
    make_config "$WORK/mlopstags" mlops-tags "$NRES"
fi

curl -fsS -X DELETE "$EMU/_emulator/requests" > /dev/null
MLOPS_PLANS=0
LAST=""
log "warm-up plans (untimed)"
plan_once "$WORK/tfdata" "$NRES"
plan_once "$WORK/mlops" "$NRES"
plan_once "$WORK/minimal" "$NRES"

: > "$WORK/plan_tfdata.txt"; : > "$WORK/plan_mlops.txt"; : > "$WORK/plan_minimal.txt"
for ((r = 1; r <= REPS; r++)); do
    # ABC CBA order, so a drift in machine load does not favour one side.
    if (( r % 2 )); then order="tfdata minimal mlops"; else order="mlops minimal tfdata"; fi
    for k in $order; do
        plan_once "$WORK/$k" "$NRES" "$WORK/plan_$k.txt"
        log "plan $r/$REPS $k ($NRES resources): $LAST s"
    done
done

: > "$WORK/plan_tfdata1.txt"; : > "$WORK/plan_mlops1.txt"
if (( SMALL_REPS > 0 )); then
    plan_once "$WORK/tfdata1" 1
    plan_once "$WORK/mlops1" 1
    for ((r = 1; r <= SMALL_REPS; r++)); do
        if (( r % 2 )); then order="tfdata1 mlops1"; else order="mlops1 tfdata1"; fi
        for k in $order; do
            plan_once "$WORK/$k" 1 "$WORK/plan_$k.txt"
            log "plan $r/$SMALL_REPS $k (1 resource): $LAST s"
        done
    done
fi

: > "$WORK/plan_mlopstags.txt"
if (( TAGGED_REPS > 0 )); then
    # The same groups, each with one tag (a common real-world shape).
    plan_once "$WORK/mlopstags" "$NRES"
    for ((r = 1; r <= TAGGED_REPS; r++)); do
        plan_once "$WORK/mlopstags" "$NRES" "$WORK/plan_mlopstags.txt"
        log "plan $r/$TAGGED_REPS mlopstags ($NRES resources with tags): $LAST s"
    done
fi

# One extra, untimed plan with Terraform's debug log: how many provider processes a plan starts.
log "counting provider launches per plan (TF_LOG=debug, untimed)"
TF_LOG=debug TF_LOG_PATH="$WORK/tf-debug.log" \
    run "$TF" -chdir="$WORK/mlops" plan -refresh=false -input=false -no-color > /dev/null 2>&1
MLOPS_PLANS=$((MLOPS_PLANS + 1))
LAUNCHES=$(grep -c 'plugin started.*terraform-provider-mlops' "$WORK/tf-debug.log" || true)

curl -fsS "$EMU/_emulator/requests/summary" > "$WORK/emulator_summary.json"
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"
T_END=$(date +%s)

# --- 5. report ------------------------------------------------------------------------------------
export PERF_SIZE="$SIZE" PERF_NRES="$NRES" PERF_LAUNCHES="$LAUNCHES" PERF_MLOPS_PLANS="$MLOPS_PLANS" \
       PERF_CPU="$CPU_MODEL" PERF_COMMIT="$COMMIT" PERF_TF="$TF_VERSION" \
       PERF_LOAD_BEFORE="$LOAD_BEFORE" PERF_LOAD_AFTER="$LOAD_AFTER" \
       PERF_WALL=$((T_END - T_START)) PERF_RUSTC="$(rustc --version 2>/dev/null || echo unknown)"
doc_args=()
if (( WRITE_DOC )); then doc_args=(--write-doc "$REPO/docs/performance.md"); fi
"$VPY" "$MEASURE" report --dir "$WORK" "${doc_args[@]}"
