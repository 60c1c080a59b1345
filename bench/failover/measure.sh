#!/usr/bin/env bash
# Failover time, kill -9 (and pause, and partition for etcd) of the leader to the first order accepted from the new
# leader, over ROUNDS rounds per backend (default 100): SQLite, PostgreSQL and etcd (3 members, heartbeat 50 ms,
# election timeout 500 ms), three PaperTrader replicas with a 1 s lease, the venue simulator checking tokens.
# Writes one report per backend and the venue logs to bench/failover/results/ (or $1).
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
BULWARK_NEMESIS_ROUNDS="$rounds" BULWARK_NEMESIS_REPORT="$out" \
  dotnet test tests/Bulwark.Nemesis.Tests -c Release --no-build --logger "console;verbosity=normal"
{
  echo "date: $(date -u +%F)"
  echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores (shared)"
  echo "command: ROUNDS=$rounds bench/failover/measure.sh"
  echo
  cat "$out"/sqlite.txt "$out"/postgres.txt "$out"/etcd.txt
} > "$out/report.txt"
cat "$out/report.txt"
