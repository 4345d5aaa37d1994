#!/usr/bin/env bash
# Runs the Orvirt control plane on its embedded default, in the foreground:
# one silo (localhost clustering, grain state in SQLite under .data/, memory streams) and one local node agent.
# Ctrl-C stops both. Configuration: environment variables ORVIRT__* (see README), e.g. ORVIRT__GRPCENDPOINT.
set -euo pipefail
source "$(dirname "$0")/scripts/setup.sh"
orvirt_install_packages
orvirt_build

data="${ORVIRT_DATA_DIR:-$ORVIRT_ROOT/.data}"
pods="${ORVIRT_PODS_DIR:-/var/lib/orvirt/pods}"
images="${ORVIRT_IMAGES_DIR:-/var/lib/orvirt/images}"
node="${ORVIRT_NODE_NAME:-$(hostname -s | tr 'A-Z_' 'a-z-')}"
http="${ORVIRT__HTTPENDPOINT:-127.0.0.1:8080}"
mkdir -p "$data" "$pods" "$images"

silo_pid="" agent_pid=""
stop_all() {
  trap - INT TERM EXIT
  [ -n "$agent_pid" ] && kill -TERM "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null || true
  [ -n "$silo_pid" ] && kill -TERM "$silo_pid" 2>/dev/null && wait "$silo_pid" 2>/dev/null || true
}
trap stop_all INT TERM EXIT

ORVIRT_DATA_DIR="$data" dotnet "$(orvirt_bin Silo orvirt-silo)" &
silo_pid=$!
for _ in $(seq 1 120); do
  curl -fsS "http://$http/healthz" >/dev/null 2>&1 && break
  kill -0 "$silo_pid" 2>/dev/null || { orvirt_log "the silo exited; see its output above"; exit 1; }
  sleep 0.5
done
curl -fsS "http://$http/healthz" >/dev/null || { orvirt_log "the silo did not become healthy in 60 s"; exit 1; }

dotnet "$(orvirt_bin NodeAgent orvirt-agent)" --node "$node" --pods "$pods" --images "$images" --runtime auto &
agent_pid=$!

orvirt_log "control plane running: gRPC API ${ORVIRT__GRPCENDPOINT:-127.0.0.1:5050}, health http://$http/healthz, node agent '$node' (pods in $pods)"
orvirt_log "try: ./orvirt vm create demo --cpu 1 --memory 128Mi && ./orvirt vm list"
wait "$silo_pid"
