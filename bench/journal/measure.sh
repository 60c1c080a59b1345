#!/usr/bin/env bash
# The trading journal's throughput and commit cost, on SQLite (synchronous=FULL, the default; NORMAL only to show what
# the fsync costs) and on a private PostgreSQL started here with its durable defaults (fsync=on, synchronous_commit=on;
# and synchronous_commit=off per session, to show the WAL flush's cost). For each store:
#   commit        one row appended straight to the store, one append at a time: a commit (and its fsync) each, p50/p99
#   fill→durable  one RiskGate.OnFill, then TradingJournal.FlushAsync, one at a time, p50/p99
#   burst         FILLS fills reported by one thread as fast as it can, timed until all are durable (group commit);
#                 fills/s of the median of 3 runs (all 3 shown), and the group commits the median run took.
#   rebuild       each burst's store opened again and a new gate rebuilt from every row (a restart; a takeover reads
#                 the rows since the new leader last read the same way): rows/s of the median of 3.
# Usage: FILLS=200000 bench/journal/measure.sh [OUT_DIR]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

out="${1:-$root/bench/journal/results}"
fills="${FILLS:-200000}"
mkdir -p "$out"
work="$(mktemp -d "${TMPDIR:-/var/tmp}/bulwark-journal-XXXXXX")"
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_pg=()
if [ "$(id -u)" = 0 ]; then
  chown postgres:postgres "$work"
  as_pg=(runuser -u postgres --)
fi
cleanup() {
  "${as_pg[@]}" "$bin/pg_ctl" -D "$work/pg" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

step "building (Release)"
dotnet build bench/Bulwark.Benchmarks -c Release -v quiet >/dev/null

step "starting a private PostgreSQL (durable defaults: fsync=on, synchronous_commit=on) in $work"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"${as_pg[@]}" "$bin/initdb" -D "$work/pg" -U postgres -A trust -E UTF8 >/dev/null
"${as_pg[@]}" "$bin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $work -c fsync=on -c synchronous_commit=on" start >/dev/null
connection="Host=127.0.0.1;Port=$port;Username=postgres;Pooling=true"
mkdir -p "$work/sqlite"
[ "$(id -u)" = 0 ] && chmod 777 "$work/sqlite"

run() { dotnet bench/Bulwark.Benchmarks/bin/Release/net10.0/Bulwark.Benchmarks.dll journal-throughput "$@"; }
{
  echo "date: $(date -u '+%F %H:%M UTC')"
  echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores (shared with other builds)"
  echo "disk: $(df -PT "$work" | awk 'NR==2 {print $2 " on " $1}') (SQLite files and the PostgreSQL data directory)"
  echo "postgresql: $("$bin/postgres" --version | awk '{print $3}'), local, over TCP on 127.0.0.1"
  echo "command: FILLS=$fills bench/journal/measure.sh"
  echo
  echo "| store | commit p50 | commit p99 | fill→durable p50 | fill→durable p99 | burst fills/s (median of 3) | the 3 runs | group commits (rows each) | rebuild rows/s (rows) |"
  echo "|---|---:|---:|---:|---:|---:|---|---:|---:|"
  step "sqlite, synchronous=FULL" >&2; run sqlite-full "$fills" "$work/sqlite"
  step "sqlite, synchronous=NORMAL (comparison only)" >&2; run sqlite-normal "$fills" "$work/sqlite"
  step "postgresql, synchronous_commit=on" >&2; run postgres "$fills" "$connection"
  step "postgresql, synchronous_commit=off (comparison only)" >&2; run postgres-async-commit "$fills" "$connection"
} > "$out/report.md"
cat "$out/report.md"
