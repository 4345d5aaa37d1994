#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test. CI runs exactly this (through .ci/run).
# Usage: ./test.sh [extra dotnet test arguments, e.g. --filter FullyQualifiedName~Grains]
set -euo pipefail
source "$(dirname "$0")/scripts/setup.sh"
orvirt_install_packages
orvirt_build

export ORVIRT_SILO_DLL="$(orvirt_bin Silo orvirt-silo)"
export ORVIRT_AGENT_DLL="$(orvirt_bin NodeAgent orvirt-agent)"
export ORVIRT_CLI_DLL="$(orvirt_bin Client/Orvirt.Cli orvirt)"

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT
status=0
# One test assembly at a time: the QEMU and multi-process tests share 2 cores.
for proj in "$ORVIRT_ROOT"/tests/*/*.Tests.csproj; do
  name="$(basename "$proj" .csproj)"
  orvirt_log "running $name"
  set +e
  dotnet test "$proj" -c "$ORVIRT_CONFIG" --no-build -nologo --results-directory "$results" "$@" 2>&1 \
    | tee "$results/$name.log"
  rc=${PIPESTATUS[0]}
  set -e
  [ "$rc" = 0 ] || status=1
done

# The benchmark's smoke run (small counts, no thresholds), so that it cannot rot.
orvirt_log "running the benchmark smoke run (bench/Orvirt.Bench --smoke)"
if [ "$#" -eq 0 ]; then
  if dotnet "$(orvirt_bin bench/Orvirt.Bench orvirt-bench)" --smoke --markdown "$results/bench-smoke.md" --json "$results/bench-smoke.json" 2>&1 | tee "$results/bench.out"; then
    echo "Passed!  - Failed:     0, Passed:     1, Skipped:     0, Total:     1 - orvirt-bench --smoke" > "$results/bench.log"
  else
    echo "Failed!  - Failed:     1, Passed:     0, Skipped:     0, Total:     1 - orvirt-bench --smoke" > "$results/bench.log"
    status=1
  fi
fi

# One closing line for all assemblies.
cat "$results"/*.log | awk '
  match($0, /(Passed|Failed)! +- +Failed: +[0-9]+, Passed: +[0-9]+, Skipped: +[0-9]+/) {
    line = substr($0, RSTART, RLENGTH); gsub(/[^0-9]+/, " ", line); split(line, n, " ")
    f += n[1]; p += n[2]; s += n[3]
  }
  END { printf "Tests: %d passed, %d failed, %d skipped\n", p, f, s }'
exit $status
