#!/usr/bin/env bash
# Failover with real processes: three PaperTrader replicas (lease 1 s, renew 200 ms, retry 50 ms, margin 300 ms), each
# trading at 300 orders/s while it leads (BULWARK_NEMESIS_RATE), on one fenced trading journal (SQLite; on PostgreSQL
# for the postgres backend), against the venue simulator with no fencing check, as a real venue: it accepts and fills
# every order and logs, beside each, what a fencing venue would have decided. On SQLite, PostgreSQL and etcd (3
# members, heartbeat 50 ms, election timeout 500 ms), one backend at a time. Two passes of ROUNDS rounds per backend
# (default 100):
#   1. kill -9 of the leader only: the failover-time figure (fault to the first order from the new leader at the venue);
#   2. kill -9, SIGSTOP past the lease, and a partition of the leader from its coordinator, in turn.
# FENCED=1 adds a third pass, the faults of pass 2 against a venue that refuses stale tokens itself.
# Every round checks the new leader's position at takeover against the venue's fills; every run counts the deposed-term
# orders that arrived after a newer term's first order (asserted 0 for kill -9 and partition), checks the fence's
# decision order by order against that count, and the journal for late fills and terms going back. Reports and venue
# logs go to bench/failover/results/ (or $1); report.txt gathers them.
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
# One backend at a time: at 300 orders/s per leader, three backends at once starve each other on a 2-core machine.
for class in SqliteNemesisTests PostgreSqlNemesisTests EtcdNemesisTests; do
  filter="FullyQualifiedName~$class"
  BULWARK_NEMESIS_FAULTS=kill BULWARK_NEMESIS_ROUNDS="$rounds" BULWARK_NEMESIS_REPORT="$out" \
    dotnet test tests/Bulwark.Nemesis.Tests -c Release --no-build --filter "$filter" --logger "console;verbosity=normal"
  BULWARK_NEMESIS_ROUNDS="$rounds" BULWARK_NEMESIS_REPORT="$out" \
    dotnet test tests/Bulwark.Nemesis.Tests -c Release --no-build --filter "$filter" --logger "console;verbosity=normal"
  if [[ "${FENCED:-0}" == 1 ]]; then
    BULWARK_NEMESIS_VENUE=fenced BULWARK_NEMESIS_ROUNDS="$rounds" BULWARK_NEMESIS_REPORT="$out" \
      dotnet test tests/Bulwark.Nemesis.Tests -c Release --no-build --filter "$filter" --logger "console;verbosity=normal"
  fi
done
{
  echo "date: $(date -u +%F)"
  echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores (shared)"
  echo "command: ROUNDS=$rounds${FENCED:+ FENCED=$FENCED} bench/failover/measure.sh"
  echo
  for backend in sqlite postgres etcd; do cat "$out/$backend-kill.txt"; done
  echo
  cat "$out"/sqlite-kill-pause.txt "$out"/postgres-kill-pause-partition.txt "$out"/etcd-kill-pause-partition.txt
  if [[ "${FENCED:-0}" == 1 ]]; then
    echo
    cat "$out"/sqlite-kill-pause-fenced.txt "$out"/postgres-kill-pause-partition-fenced.txt "$out"/etcd-kill-pause-partition-fenced.txt
  fi
} > "$out/report.txt"
cat "$out/report.txt"
