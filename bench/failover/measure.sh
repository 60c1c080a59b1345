#!/usr/bin/env bash
# Failover time with real processes: three PaperTrader replicas (lease 1 s, renew 200 ms, retry 50 ms, margin 300 ms)
# and the venue simulator checking fencing tokens, on SQLite, PostgreSQL and etcd (3 members, heartbeat 50 ms,
# election timeout 500 ms). Two passes of ROUNDS rounds per backend (default 100):
#   1. kill -9 of the leader only: the failover-time figure (fault to the first order accepted from the new leader);
#   2. kill -9, SIGSTOP past the lease, and a partition of the leader from its coordinator, in turn.
# Every round is checked for stale tokens and overlapping terms. Reports and venue logs go to bench/failover/results/
# (or $1); report.txt gathers them.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
ensure_debian_packages "$root/scripts/debian-packages.txt"

out="${1:-$root/bench/failover/results}"
rounds="${ROUNDS:-100}"
step "building"
dotnet build tests/Bulwark.Nemesis.Tests -c Release -v quiet
step "$rounds rounds per backend, reports in $out"
mkdir -p "$out"
rm -f "$out"/*.txt "$out"/*.log
BULWARK_NEMESIS_FAULTS=kill BULWARK_NEMESIS_ROUNDS="$rounds" BULWARK_NEMESIS_REPORT="$out" \
  dotnet test tests/Bulwark.Nemesis.Tests -c Release --no-build --filter "FullyQualifiedName~NemesisTests" --logger "console;verbosity=normal"
BULWARK_NEMESIS_ROUNDS="$rounds" BULWARK_NEMESIS_REPORT="$out" \
  dotnet test tests/Bulwark.Nemesis.Tests -c Release --no-build --filter "FullyQualifiedName~NemesisTests" --logger "console;verbosity=normal"
{
  echo "date: $(date -u +%F)"
  echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores (shared)"
  echo "command: ROUNDS=$rounds bench/failover/measure.sh"
  echo
  for backend in sqlite postgres etcd; do cat "$out/$backend-kill.txt"; done
  echo
  cat "$out"/sqlite-kill-pause.txt "$out"/postgres-kill-pause-partition.txt "$out"/etcd-kill-pause-partition.txt
} > "$out/report.txt"
cat "$out/report.txt"
