#!/usr/bin/env bash
# Kill-switch propagation across machines (here: processes on one machine, which share a clock): three
# KillSwitchNode processes follow the shared state while the test engages and releases the firm switch in turn,
# ROUNDS times (default 500) per backend (PostgreSQL LISTEN/NOTIFY, etcd watch on a 3-member cluster). Reports the
# delay from the engage/release call to each node applying it: p50, p99, max. Target: p99 <= 100 ms.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
ensure_debian_packages "$root/scripts/debian-packages.txt"

out="${1:-$root/bench/killswitch/results}"
rounds="${ROUNDS:-500}"
mkdir -p "$out"
rm -f "$out"/*.txt
step "building"
dotnet build tests/Bulwark.Nemesis.Tests -c Release -v quiet
step "$rounds changes per backend, reports in $out"
BULWARK_KILLSWITCH_ROUNDS="$rounds" BULWARK_NEMESIS_REPORT="$out" \
  dotnet test tests/Bulwark.Nemesis.Tests -c Release --no-build --filter "FullyQualifiedName~KillSwitchPropagation" --logger "console;verbosity=normal"
{
  echo "date: $(date -u +%F)"
  echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores (shared)"
  echo "command: ROUNDS=$rounds bench/killswitch/measure.sh"
  echo
  cat "$out"/killswitch-postgres.txt "$out"/killswitch-etcd.txt
} > "$out/report.txt"
cat "$out/report.txt"
