#!/usr/bin/env bash
# Installs what Orvirt needs on a fresh Debian machine (as root), then builds the solution.
# Sourced by run.sh and test.sh; safe to run again: it only installs what is missing.
set -euo pipefail

ORVIRT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ORVIRT_CONFIG="${ORVIRT_CONFIG:-Release}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# libvirt and QEMU for the node agent's pods (never libvirt-daemon-system: it replaces init),
# redis-server for cluster mode, sqlite3 to inspect the embedded store, chromium for the browser tests,
# docker-compose to validate docker-compose.yml (no Docker engine runs here).
ORVIRT_APT_PACKAGES=(libvirt0 libvirt-clients libvirt-daemon libvirt-daemon-driver-qemu qemu-system-x86
  qemu-utils tini redis-server sqlite3 procps iproute2 util-linux curl ca-certificates chromium docker-compose)

orvirt_log() { printf '[orvirt] %s\n' "$*" >&2; }

orvirt_install_packages() {
  local missing=() extra=()
  # kubectl for the CRD tests: Debian's kubernetes-client, unless a kubectl is already installed
  # (another package may own /usr/bin/kubectl). docker-compose only validates the compose file.
  command -v kubectl >/dev/null || extra+=(kubernetes-client)
  for p in "${ORVIRT_APT_PACKAGES[@]}" "${extra[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    if [ "$(id -u)" != 0 ]; then
      orvirt_log "missing Debian packages: ${missing[*]}; run as root or install them with apt-get"
      exit 1
    fi
    orvirt_log "installing ${missing[*]} (apt-get, --no-install-recommends)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  # The QEMU driver of a root libvirtd wants this user to exist even when it runs QEMU as root.
  if ! getent passwd libvirt-qemu >/dev/null && [ "$(id -u)" = 0 ]; then
    adduser --system --group --no-create-home --home /var/lib/libvirt --disabled-login libvirt-qemu >/dev/null
  fi
  if ! command -v dotnet >/dev/null; then
    orvirt_log "the .NET SDK 10 is needed (dotnet on PATH); install it from Microsoft's Debian packages, then run this again"
    exit 1
  fi
}

orvirt_build() {
  orvirt_log "building Orleans.sln ($ORVIRT_CONFIG)"
  dotnet build "$ORVIRT_ROOT/Orleans.sln" -c "$ORVIRT_CONFIG" -nologo -clp:ErrorsOnly -v:q
}

orvirt_bin() { # orvirt_bin <project dir> <assembly>: path of a built dll
  echo "$ORVIRT_ROOT/$1/bin/$ORVIRT_CONFIG/net10.0/$2.dll"
}
