#!/usr/bin/env bash
# Build and package a release of terraform-provider-mlops the way the Terraform registry
# (and goreleaser's terraform-provider template) lays it out, sign its checksums, and lay out
# a provider network mirror of it.  See docs/releasing.md.
set -euo pipefail

REPO="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
NAME=terraform-provider-mlops
SOURCE_ADDR=registry.terraform.io/mlops/mlops

usage() {
    cat <<EOF
Usage: scripts/release.sh [--out DIR] [--force] [VERSION]

Builds $NAME (cargo build --release --locked) for every supported platform that can be
built here, and writes into DIR (default: target/dist/VERSION):

  ${NAME}_VERSION_OS_ARCH.zip        the binary, named ${NAME}_vVERSION
  ${NAME}_VERSION_manifest.json      {"version": 1, "metadata": {"protocol_versions": ["6.0"]}}
  ${NAME}_VERSION_SHA256SUMS         sha256sum lines for the zips and the manifest
  ${NAME}_VERSION_SHA256SUMS.sig     detached binary GPG signature of SHA256SUMS
  ${NAME}_VERSION_signing-key.asc    the public key (ASCII-armoured) that made the signature
  mirror/$SOURCE_ADDR/
      index.json, VERSION.json, the zips   a provider network mirror (serve DIR/mirror over HTTPS)

VERSION defaults to the crate's version (provider/Cargo.toml, from the workspace) and must
equal it: the binary reports that version.

Options:
  --out DIR   output directory (created; must be empty unless --force)
  --force     empty DIR first if it is not empty
  -h, --help  this help

Environment:
  MLOPS_GPG_KEY          key id to sign with, from your own keyring (GNUPGHOME or ~/.gnupg).
                         Unset: a throwaway RSA key is generated in a temporary GNUPGHOME
                         (fine for a network mirror or a test, NOT for the public registry).
  MLOPS_RELEASE_BINARY   FOR TESTS ONLY: package this existing binary as linux_amd64 instead
                         of building (e.g. target/debug/$NAME). Never publish such a release.
  SOURCE_DATE_EPOCH      timestamp for the files in the zips (default: the last commit's time),
                         so the same binary always gives the same zip and hashes.
EOF
}

OUT=""
FORCE=0
VERSION=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        -h|--help) usage; exit 0 ;;
        --out) [[ $# -ge 2 ]] || { echo "release.sh: --out needs a directory" >&2; exit 2; }
               OUT="$2"; shift 2 ;;
        --out=*) OUT="${1#--out=}"; shift ;;
        --force) FORCE=1; shift ;;
        -*) echo "release.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
        *) [[ -z "$VERSION" ]] || { echo "release.sh: more than one VERSION" >&2; exit 2; }
           VERSION="$1"; shift ;;
    esac
done

CRATE_VERSION="$(cd "$REPO" && cargo metadata --offline --no-deps --format-version 1 |
    python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "'"$NAME"'"))')"
VERSION="${VERSION:-$CRATE_VERSION}"
VERSION="${VERSION#v}"
if ! [[ "$VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
    echo "release.sh: VERSION '$VERSION' is not a semantic version (X.Y.Z[-pre])" >&2
    exit 2
fi
if [[ "$VERSION" != "$CRATE_VERSION" ]]; then
    echo "release.sh: VERSION $VERSION differs from the crate version $CRATE_VERSION; bump it in Cargo.toml ([workspace.package]) first" >&2
    exit 2
fi

OUT="${OUT:-$REPO/target/dist/$VERSION}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
if [[ -n "$(ls -A "$OUT")" ]]; then
    if [[ $FORCE -eq 1 ]]; then
        find "$OUT" -mindepth 1 -delete
    else
        echo "release.sh: $OUT is not empty (use --force to empty it)" >&2
        exit 2
    fi
fi

PREFIX="${NAME}_${VERSION}"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/mlops-release.XXXXXX")"
cleanup() {
    if [[ -n "${THROWAWAY_GNUPGHOME:-}" ]]; then
        GNUPGHOME="$THROWAWAY_GNUPGHOME" gpgconf --kill all >/dev/null 2>&1 || true
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT

export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git -C "$REPO" log -1 --format=%ct 2>/dev/null || date +%s)}"

# ---- binaries -------------------------------------------------------------------------
# platform  rust target  conventional cross linker (when not building on that host)
PLATFORMS=(
    "linux_amd64  x86_64-unknown-linux-gnu  x86_64-linux-gnu-gcc"
    "linux_arm64  aarch64-unknown-linux-gnu aarch64-linux-gnu-gcc"
    "darwin_amd64 x86_64-apple-darwin       x86_64-apple-darwin20.4-clang"
    "darwin_arm64 aarch64-apple-darwin      aarch64-apple-darwin20.4-clang"
)
HOST="$(rustc -vV | sed -n 's/^host: //p')"
declare -A BINARY=()   # platform -> binary path
SKIPPED=()

if [[ -n "${MLOPS_RELEASE_BINARY:-}" ]]; then
    [[ -f "$MLOPS_RELEASE_BINARY" ]] || { echo "release.sh: MLOPS_RELEASE_BINARY=$MLOPS_RELEASE_BINARY is not a file" >&2; exit 2; }
    echo "release.sh: MLOPS_RELEASE_BINARY is set: packaging the existing binary $MLOPS_RELEASE_BINARY as linux_amd64, NOT building (for tests only; do not publish this)"
    BINARY[linux_amd64]="$MLOPS_RELEASE_BINARY"
else
    INSTALLED="$(rustup target list --installed 2>/dev/null || echo "$HOST")"
    TARGETS=()
    for row in "${PLATFORMS[@]}"; do
        read -r plat target linker <<<"$row"
        if ! grep -qx "$target" <<<"$INSTALLED"; then
            SKIPPED+=("$plat: rust target $target is not installed (rustup target add $target; needs the network)")
            continue
        fi
        if [[ "$target" != "$HOST" ]]; then
            var="CARGO_TARGET_$(tr 'a-z-' 'A-Z_' <<<"$target")_LINKER"
            if [[ -n "${!var:-}" ]] && command -v "${!var}" >/dev/null; then
                :
            elif command -v "$linker" >/dev/null; then
                export "$var=$linker"
            else
                SKIPPED+=("$plat: no linker for $target (set $var or install $linker)")
                continue
            fi
        fi
        TARGETS+=("$plat $target")
    done
    if [[ ${#TARGETS[@]} -eq 0 ]]; then
        echo "release.sh: nothing can be built here:" >&2
        printf '  %s\n' "${SKIPPED[@]}" >&2
        exit 1
    fi
    for t in "${TARGETS[@]}"; do
        read -r plat target <<<"$t"
        target_dir="$(cd "$REPO" && cargo metadata --offline --no-deps --format-version 1 |
            python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
        if [[ "$target" == "$HOST" ]]; then
            # no --target: the host build lands in (and reuses) target/release
            echo "release.sh: cargo build --release --locked -p $NAME   ($target)"
            (cd "$REPO" && cargo build --release --locked -p "$NAME")
            BINARY[$plat]="$target_dir/release/$NAME"
        else
            echo "release.sh: cargo build --release --locked -p $NAME --target $target"
            (cd "$REPO" && cargo build --release --locked -p "$NAME" --target "$target")
            BINARY[$plat]="$target_dir/$target/release/$NAME"
        fi
    done
fi

# ---- zips ------------------------------------------------------------------------------
ZIPS=()
for row in "${PLATFORMS[@]}"; do
    read -r plat _ <<<"$row"
    [[ -n "${BINARY[$plat]:-}" ]] || continue
    stage="$TMP/stage-$plat"
    mkdir -p "$stage"
    cp "${BINARY[$plat]}" "$stage/${NAME}_v${VERSION}"
    chmod 0755 "$stage/${NAME}_v${VERSION}"
    touch -d "@$SOURCE_DATE_EPOCH" "$stage/${NAME}_v${VERSION}"
    zip_name="${PREFIX}_${plat}.zip"
    # -X: no extra attributes (uid/gid, extended timestamps) so the zip is reproducible
    (cd "$stage" && zip -q -X "$OUT/$zip_name" "${NAME}_v${VERSION}")
    ZIPS+=("$zip_name")
done

# ---- manifest, checksums, signature ----------------------------------------------------
MANIFEST='{
  "version": 1,
  "metadata": {
    "protocol_versions": ["6.0"]
  }
}'
printf '%s\n' "$MANIFEST" >"$OUT/${PREFIX}_manifest.json"
if [[ ! -e "$REPO/terraform-registry-manifest.json" ]]; then
    printf '%s\n' "$MANIFEST" >"$REPO/terraform-registry-manifest.json"
    echo "release.sh: created terraform-registry-manifest.json at the repository root (commit it: the registry reads it)"
fi

(cd "$OUT" && sha256sum "${ZIPS[@]}" "${PREFIX}_manifest.json" >"${PREFIX}_SHA256SUMS")

if [[ -n "${MLOPS_GPG_KEY:-}" ]]; then
    KEY="$MLOPS_GPG_KEY"
    GPG=(gpg --batch)
    echo "release.sh: signing with key $KEY from your keyring"
else
    THROWAWAY_GNUPGHOME="$TMP/gnupg"
    mkdir -m 0700 "$THROWAWAY_GNUPGHOME"
    GPG=(gpg --batch --quiet --homedir "$THROWAWAY_GNUPGHOME")
    # RSA: the Terraform registry does not accept ECC signing keys.
    "${GPG[@]}" --passphrase '' --quick-gen-key \
        "terraform-provider-mlops release (THROWAWAY) <release@invalid>" rsa3072 sign 30d 2>/dev/null
    KEY="$("${GPG[@]}" --list-secret-keys --with-colons | awk -F: '$1 == "fpr" { print $10; exit }')"
    echo "release.sh: MLOPS_GPG_KEY is unset: signed with a THROWAWAY key $KEY (generated now, discarded afterwards; its public key is ${PREFIX}_signing-key.asc)"
fi
"${GPG[@]}" --yes --local-user "$KEY" --output "$OUT/${PREFIX}_SHA256SUMS.sig" \
    --detach-sign "$OUT/${PREFIX}_SHA256SUMS"
"${GPG[@]}" --armor --export "$KEY" >"$OUT/${PREFIX}_signing-key.asc"
[[ -s "$OUT/${PREFIX}_signing-key.asc" ]] || { echo "release.sh: could not export public key $KEY" >&2; exit 1; }

# ---- network mirror --------------------------------------------------------------------
# https://developer.hashicorp.com/terraform/internals/provider-network-mirror-protocol
MIRROR="$OUT/mirror/$SOURCE_ADDR"
mkdir -p "$MIRROR"
for z in "${ZIPS[@]}"; do
    ln "$OUT/$z" "$MIRROR/$z" 2>/dev/null || cp "$OUT/$z" "$MIRROR/$z"
done
python3 - "$MIRROR" "$VERSION" "$PREFIX" "${ZIPS[@]}" <<'PY'
import base64, hashlib, json, os, sys, zipfile

mirror, version, prefix, zips = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]

def h1(path):
    # golang.org/x/mod/sumdb/dirhash.Hash1 over the unpacked files, as Terraform computes it
    # for an installed package: sha256 of the lines "<sha256 hex>  <name>\n" sorted by name.
    with zipfile.ZipFile(path) as z:
        files = sorted(i.filename for i in z.infolist() if not i.is_dir())
        summary = "".join(f"{hashlib.sha256(z.read(n)).hexdigest()}  {n}\n" for n in files)
    return "h1:" + base64.b64encode(hashlib.sha256(summary.encode()).digest()).decode()

def zh(path):
    with open(path, "rb") as f:
        return "zh:" + hashlib.sha256(f.read()).hexdigest()

archives = {}
for z in zips:
    platform = z[len(prefix) + 1:-len(".zip")]
    path = os.path.join(mirror, z)
    archives[platform] = {"url": z, "hashes": [h1(path), zh(path)]}
with open(os.path.join(mirror, "index.json"), "w") as f:
    json.dump({"versions": {version: {}}}, f, indent=2)
    f.write("\n")
with open(os.path.join(mirror, f"{version}.json"), "w") as f:
    json.dump({"archives": archives}, f, indent=2)
    f.write("\n")
PY

# ---- summary ---------------------------------------------------------------------------
echo
echo "release $VERSION in $OUT:"
(cd "$OUT" && find . -type f | sed 's|^\./||' | sort | while read -r f; do
    printf '  %-72s %12s  %s\n' "$f" "$(stat -c %s "$f")" "$(sha256sum "$f" | cut -d' ' -f1)"
done)
if [[ -n "${MLOPS_RELEASE_BINARY:-}" ]]; then
    echo "packaged (not built, MLOPS_RELEASE_BINARY): linux_amd64; no other platform"
else
    echo "built: ${!BINARY[*]}"
fi
if [[ ${#SKIPPED[@]} -gt 0 ]]; then
    echo "skipped:"
    printf '  %s\n' "${SKIPPED[@]}"
fi
echo "mirror: serve $OUT/mirror over HTTPS and set network_mirror { url = \"https://<host>/\" }"
