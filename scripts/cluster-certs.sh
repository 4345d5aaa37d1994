#!/usr/bin/env bash
# Makes the certificates for Orvirt cluster TLS (mutual TLS on Orleans silo and gateway connections) with openssl.
set -euo pipefail

usage() {
    cat <<'HELP'
Usage: scripts/cluster-certs.sh OUTDIR [--silo NAME]... [--agent NAME]...

Makes, in OUTDIR, a cluster CA (ca.crt, ca.key) and for each NAME a certificate NAME.crt and key NAME.key
signed by that CA (ECDSA P-256, valid 825 days), with a role that silos and agents check:

  --silo NAME   a silo certificate: subject OU=orvirt-silo, CN=NAME; TLS server and client (silos accept and
                open connections); subject alternative names NAME, localhost and 127.0.0.1. Give it to silos only.
  --agent NAME  a node agent certificate: subject OU=orvirt-agent, CN=NAME; TLS client only; SAN NAME.
                Give it to node agents (NAME = the node's name, e.g. node-1).

Silos accept only silo certificates on the silo port and from other silos, and only agent certificates on the
gateway port; agents accept only a gateway with a silo certificate. So a node's certificate (nodes run guests:
the least trusted hosts) cannot join the cluster as a silo. Certificates made before roles existed have no
role and are refused: make new ones with this script (it keeps an existing CA, so the CA stays the same).

With no --silo/--agent: --silo silo --agent node-1. An existing ca.crt/ca.key in OUTDIR is reused, so you can
add a node later: scripts/cluster-certs.sh OUTDIR --agent node-3. NAME must be a DNS label or name (letters,
digits, '-', '.'). The old form with bare NAMES (OUTDIR silo node-1) is refused: it did not say which role.

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

out=$1
shift
names=()
roles=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --silo|--agent)
            [[ $# -ge 2 ]] || { echo "cluster-certs.sh: $1 needs a NAME, e.g. --silo silo-1 or --agent node-1" >&2; exit 2; }
            roles+=("${1#--}")
            names+=("$2")
            shift 2
            ;;
        -h|--help)
            usage
            exit 0
            ;;
        -*)
            echo "cluster-certs.sh: unknown option '$1'; use --silo NAME or --agent NAME (see --help)" >&2
            exit 2
            ;;
        *)
            echo "cluster-certs.sh: '$1' has no role; certificates now say whether they are a silo's or a node agent's: use --silo $1 or --agent $1, e.g. scripts/cluster-certs.sh $out --silo silo --agent node-1" >&2
            exit 2
            ;;
    esac
done
if [[ ${#names[@]} -eq 0 ]]; then
    names=(silo node-1)
    roles=(silo agent)
fi
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
command -v openssl >/dev/null || { echo "cluster-certs.sh: openssl is not installed; install it (apt-get install openssl) and run again" >&2; exit 2; }

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

ext=$(mktemp)
trap 'rm -f "$ext"' EXIT
for i in "${!names[@]}"; do
    name=${names[$i]}
    role=${roles[$i]}
    if [[ "$role" == silo ]]; then
        usage_ext="extendedKeyUsage=serverAuth,clientAuth"
        san="subjectAltName=DNS:$name,DNS:localhost,IP:127.0.0.1"
    else
        # An agent only ever opens connections: no server use, so it cannot even pose as a TLS server to a strict client.
        usage_ext="extendedKeyUsage=clientAuth"
        san="subjectAltName=DNS:$name"
    fi
    printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" "$usage_ext" "$san" > "$ext"
    openssl ecparam -name prime256v1 -genkey -noout -out "$out/$name.key"
    openssl req -new -key "$out/$name.key" -subj "/OU=orvirt-$role/CN=$name" -out "$out/$name.csr" 2>/dev/null
    openssl x509 -req -in "$out/$name.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" -CAcreateserial -days 825 -sha256 \
        -extfile "$ext" -out "$out/$name.crt" 2>/dev/null
    rm -f "$out/$name.csr"
    chmod 644 "$out/$name.crt"
    echo "cluster-certs.sh: made the $role certificate $out/$name.crt and its key $out/$name.key"
done
