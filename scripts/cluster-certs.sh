#!/usr/bin/env bash
# Makes the certificates for Orvirt cluster TLS (mutual TLS on Orleans silo and gateway connections) with openssl.
set -euo pipefail

usage() {
    cat <<'HELP'
Usage: scripts/cluster-certs.sh OUTDIR [NAMES...]

Makes, in OUTDIR, a cluster CA (ca.crt, ca.key) and for each NAME a certificate NAME.crt and key NAME.key
signed by that CA: ECDSA P-256, valid 825 days, usable as TLS server and client (silos are both), with
subject alternative names NAME, localhost and 127.0.0.1. An existing ca.crt/ca.key in OUTDIR is reused, so
you can add a node later: scripts/cluster-certs.sh OUTDIR node-3. NAMES default to: silo node-1.
NAME must be a DNS label or name (letters, digits, '-', '.').

Silo:   ORVIRT__CLUSTERTLS__CERTIFICATEFILE=OUTDIR/silo.crt ORVIRT__CLUSTERTLS__KEYFILE=OUTDIR/silo.key
        ORVIRT__CLUSTERTLS__CAFILE=OUTDIR/ca.crt
Agent:  orvirt-agent --node node-1 --tls-cert OUTDIR/node-1.crt --tls-key OUTDIR/node-1.key --tls-ca OUTDIR/ca.crt

Keep ca.key offline or at least unreadable to others: whoever holds it can make certificates that join the cluster.
HELP
}

if [[ $# -lt 1 || "$1" == "-h" || "$1" == "--help" ]]; then
    usage
    [[ $# -ge 1 ]] && exit 0 || exit 2
fi
command -v openssl >/dev/null || { echo "cluster-certs.sh: openssl is not installed; install it (apt-get install openssl) and run again" >&2; exit 2; }

out=$1
shift
names=("$@")
[[ ${#names[@]} -gt 0 ]] || names=(silo node-1)
for name in "${names[@]}"; do
    if [[ ! "$name" =~ ^[A-Za-z0-9]([A-Za-z0-9.-]{0,62}[A-Za-z0-9])?$ ]]; then
        echo "cluster-certs.sh: '$name' is not a DNS name; use letters, digits, '-' and '.', e.g. node-1" >&2
        exit 2
    fi
    if [[ "$name" == "ca" ]]; then
        echo "cluster-certs.sh: 'ca' is the CA's own file name; pick another name" >&2
        exit 2
    fi
done

mkdir -p "$out"
umask 077
if [[ ! -f "$out/ca.crt" || ! -f "$out/ca.key" ]]; then
    openssl ecparam -name prime256v1 -genkey -noout -out "$out/ca.key"
    openssl req -x509 -new -key "$out/ca.key" -sha256 -days 3650 -subj "/CN=orvirt-cluster-ca" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -out "$out/ca.crt" 2>/dev/null
    echo "cluster-certs.sh: made the cluster CA $out/ca.crt"
fi
chmod 644 "$out/ca.crt"

for name in "${names[@]}"; do
    ext=$(mktemp)
    trap 'rm -f "$ext"' EXIT
    printf '%s\n' \
        "basicConstraints=critical,CA:FALSE" \
        "keyUsage=critical,digitalSignature" \
        "extendedKeyUsage=serverAuth,clientAuth" \
        "subjectAltName=DNS:$name,DNS:localhost,IP:127.0.0.1" > "$ext"
    openssl ecparam -name prime256v1 -genkey -noout -out "$out/$name.key"
    openssl req -new -key "$out/$name.key" -subj "/CN=$name" -out "$out/$name.csr" 2>/dev/null
    openssl x509 -req -in "$out/$name.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" -CAcreateserial -days 825 -sha256 \
        -extfile "$ext" -out "$out/$name.crt" 2>/dev/null
    rm -f "$out/$name.csr" "$ext"
    chmod 644 "$out/$name.crt"
    echo "cluster-certs.sh: made $out/$name.crt and $out/$name.key"
done
