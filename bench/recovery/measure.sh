#!/usr/bin/env bash
# Restart of a supervised process after kill -9, with real processes: ROUNDS times (default 100), the quickstart
# target (a .NET HTTP service) is killed with SIGKILL; reports the time from the kill to the exit seen by the
# supervisor, to the restart (new pid), and to Healthy again (its restart plan's validation), p50/p99/max.
# Anchor: systemd's RestartSec=100ms. Goal: restarted within 200 ms p99.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

out="${1:-$root/bench/recovery/results}"
rounds="${ROUNDS:-100}"
mkdir -p "$out"
step "building (Release)"
dotnet build bench/Bulwark.Benchmarks -c Release -v quiet
dotnet build samples/QuickstartTarget -c Release -v quiet
step "$rounds rounds of kill -9, report in $out/report.txt"
dotnet bench/Bulwark.Benchmarks/bin/Release/net10.0/Bulwark.Benchmarks.dll restart-latency "$rounds" \
  samples/QuickstartTarget/bin/Release/net10.0/QuickstartTarget.dll "$out/measured.txt"
{
  echo "date: $(date -u +%F)"
  echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores (shared)"
  echo "command: ROUNDS=$rounds bench/recovery/measure.sh"
  echo
  cat "$out/measured.txt"
} > "$out/report.txt"
rm -f "$out/measured.txt"
cat "$out/report.txt"
