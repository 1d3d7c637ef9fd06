#!/usr/bin/env bash
# A real kube-apiserver (v1.20.2) for the KServe acceptance tests, built offline from Debian
# bookworm's kubernetes source package and run with Debian's etcd on 127.0.0.1 only.
#
#   scripts/kube-apiserver.sh build        build once (about 4-6 minutes), cached under
#                                          ${XDG_CACHE_HOME:-$HOME/.cache}/kube-apiserver-build;
#                                          also installs etcd-server. Prints the binary's path.
#   scripts/kube-apiserver.sh path         the cached binary's path (fails if not built)
#   scripts/kube-apiserver.sh start [DIR]  start etcd + kube-apiserver on free ports, install the
#                                          KServe CRDs, write DIR/kubeconfig (for local poking;
#                                          the tests start their own through the harness)
#   scripts/kube-apiserver.sh stop DIR     stop what `start DIR` started
#
# The acceptance tests (acceptance-tests/src/kube.rs) find the binary through
# MLOPS_KUBE_APISERVER (scripts/test.sh sets it after `build`).
set -euo pipefail
REPO="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/kube-apiserver-build
BIN=$CACHE/kube-apiserver
SRC=kubernetes-1.20.5+really1.20.2

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

build() {
    if [ -x "$BIN" ] && "$BIN" --version >/dev/null 2>&1 && command -v etcd >/dev/null; then
        echo "$BIN"; return
    fi
    if [ ! -f /etc/apt/sources.list.d/debian-src.sources ]; then
        as_root tee /etc/apt/sources.list.d/debian-src.sources >/dev/null <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    fi
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go dpkg-dev make rsync \
        openssl etcd-server golang-github-modern-go-reflect2-dev golang-github-json-iterator-go-dev >/dev/null
    if [ -x "$BIN" ] && "$BIN" --version >/dev/null 2>&1; then echo "$BIN"; return; fi
    mkdir -p "$CACHE"
    cd "$CACHE"
    [ -d "$SRC" ] || apt-get source -qq kubernetes >&2
    cd "$SRC"
    # vendored reflect2 v1.0.1 crashes ("fatal error: fault") on Go >= 1.18: use Debian's
    # reflect2 1.0.2 / json-iterator 1.1.12 instead
    for d in github.com/modern-go/reflect2 github.com/json-iterator/go; do
        rm -rf "vendor/$d"
        cp -r "/usr/share/gocode/src/$d" "vendor/$d"
    done
    CGO_ENABLED=0 GOPROXY=off GOFLAGS=-mod=vendor make WHAT=cmd/kube-apiserver >&2
    install -m755 _output/bin/kube-apiserver "$BIN.tmp"
    mv "$BIN.tmp" "$BIN"
    # the source tree and Go build cache are several GB; only the binary is needed
    cd "$CACHE" && rm -rf "$SRC" kubernetes_*
    "$BIN" --version >&2
    echo "$BIN"
}

# kube-apiserver 1.20 rejects `default: ""` in CRD schemas (controller-gen writes it for
# optional reference names); drop just those (see acceptance-tests/src/kube.rs)
STRIP_DEFAULTS='
import json, sys, yaml
def strip(j):
    if isinstance(j, dict):
        if j.get("default") == "":
            del j["default"]
        for v in j.values():
            strip(v)
    elif isinstance(j, list):
        for v in j:
            strip(v)
d = yaml.safe_load(open(sys.argv[1]))
strip(d)
print(json.dumps(d))
'

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

start() {
    [ -x "$BIN" ] || { echo "kube-apiserver not built: run $0 build" >&2; exit 1; }
    local run=${1:-$(mktemp -d)}
    mkdir -p "$run/pki" "$run/etcd"
    local p=$run/pki port eport pport
    port=$(free_port); eport=$(free_port); pport=$(free_port)
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$p/ca.key" -out "$p/ca.crt" -days 30 -subj /CN=test-ca 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout "$p/apiserver.key" -out "$p/apiserver.csr" -subj /CN=kube-apiserver 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$p/ext.cnf"
    openssl x509 -req -in "$p/apiserver.csr" -CA "$p/ca.crt" -CAkey "$p/ca.key" -CAcreateserial \
        -out "$p/apiserver.crt" -days 30 -extfile "$p/ext.cnf" 2>/dev/null
    openssl genrsa -out "$p/sa.key" 2048 2>/dev/null
    openssl rsa -in "$p/sa.key" -pubout -out "$p/sa.pub" 2>/dev/null
    echo 'test-token,admin,admin,system:masters' >"$p/tokens.csv"
    etcd --name t --data-dir "$run/etcd" --unsafe-no-fsync \
        --listen-client-urls "http://127.0.0.1:$eport" --advertise-client-urls "http://127.0.0.1:$eport" \
        --listen-peer-urls "http://127.0.0.1:$pport" --initial-advertise-peer-urls "http://127.0.0.1:$pport" \
        --initial-cluster "t=http://127.0.0.1:$pport" >"$run/etcd.log" 2>&1 &
    echo $! >"$run/etcd.pid"
    "$BIN" --etcd-servers="http://127.0.0.1:$eport" --bind-address=127.0.0.1 --advertise-address=127.0.0.1 \
        --secure-port="$port" --cert-dir="$run/certs" --tls-cert-file="$p/apiserver.crt" \
        --tls-private-key-file="$p/apiserver.key" --client-ca-file="$p/ca.crt" --token-auth-file="$p/tokens.csv" \
        --authorization-mode=RBAC --service-account-issuer=https://kubernetes.default.svc \
        --service-account-key-file="$p/sa.pub" --service-account-signing-key-file="$p/sa.key" \
        --service-cluster-ip-range=10.0.0.0/24 >"$run/apiserver.log" 2>&1 &
    echo $! >"$run/apiserver.pid"
    cat >"$run/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters: [{name: local, cluster: {server: "https://127.0.0.1:$port", certificate-authority: "$p/ca.crt"}}]
users: [{name: admin, user: {token: test-token}}]
contexts: [{name: local, context: {cluster: local, user: admin, namespace: default}}]
current-context: local
EOF
    local PY=python3
    [ -x "$REPO/.venv/bin/python" ] && PY="$REPO/.venv/bin/python"
    local curl=(curl -sf --cacert "$p/ca.crt" -H 'Authorization: Bearer test-token')
    for _ in $(seq 1 60); do
        if "${curl[@]}" "https://127.0.0.1:$port/api/v1/namespaces/default" >/dev/null 2>&1; then
            for crd in "$REPO"/acceptance-tests/kubernetes/crds/*.yaml; do
                "$PY" -c "$STRIP_DEFAULTS" "$crd" |
                    "${curl[@]}" -X POST -H 'Content-Type: application/json' --data-binary @- \
                        "https://127.0.0.1:$port/apis/apiextensions.k8s.io/v1/customresourcedefinitions" >/dev/null ||
                    { echo "installing $crd failed" >&2; stop "$run"; exit 1; }
            done
            for _ in $(seq 1 60); do
                "${curl[@]}" "https://127.0.0.1:$port/apis/serving.kserve.io/v1beta1/namespaces/default/inferenceservices" >/dev/null 2>&1 && break
                sleep 1
            done
            echo "KUBECONFIG=$run/kubeconfig"
            return
        fi
        sleep 1
    done
    echo "kube-apiserver did not come up:" >&2
    tail -20 "$run/apiserver.log" >&2
    stop "$run"
    exit 1
}

stop() {
    local run=${1:?usage: $0 stop DIR}
    for f in apiserver etcd; do
        [ -f "$run/$f.pid" ] && kill "$(cat "$run/$f.pid")" 2>/dev/null || true
    done
}

case "${1:-}" in
build) build ;;
path) [ -x "$BIN" ] && echo "$BIN" || { echo "not built: run $0 build" >&2; exit 1; } ;;
start) start "${2:-}" ;;
stop) stop "${2:-}" ;;
*) sed -n '2,15p' "$0" >&2; exit 2 ;;
esac
