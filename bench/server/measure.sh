#!/usr/bin/env bash
# The risk gate over HTTP: `bulwark run` (Release) with a trading section on a free loopback port and an engine key;
# wrk (Debian) posts orders/check with distinct client order ids (bench/server/orders.lua) from THREADS threads over
# CONNECTIONS connections for DURATION, and reports checks/s and the latency percentiles (wrk --latency). Compare with
# the in-process RiskGateCheck figure in docs/benchmarks.md. SKIP_BUILD=1 reuses the last Release build.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
fail() { printf 'error: %s\n' "$*" >&2; exit 1; }
ensure_debian_packages "$root/scripts/debian-packages.txt"

threads="${THREADS:-2}"
connections="${CONNECTIONS:-8}"
duration="${DURATION:-25s}"
out="${1:-$root/bench/server/results}"
mkdir -p "$out"

if [[ "${SKIP_BUILD:-}" != 1 ]]; then
  step "building Release"
  dotnet build src/Bulwark.Cli -c Release -v quiet
fi
cli=(dotnet "$root/src/Bulwark.Cli/bin/Release/net10.0/Bulwark.Cli.dll")

work="$(mktemp -d)"
run_pid=""
cleanup() {
  if [[ -n "$run_pid" ]] && kill -0 "$run_pid" 2>/dev/null; then
    kill -TERM "$run_pid" 2>/dev/null || true
    wait "$run_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
url="http://127.0.0.1:$port"
cat > "$work/bulwark.yaml" <<YAML
dataDirectory: data
checkIntervalSeconds: 1
components:
  - name: engine
    checks:
      - type: command
        command: "true"
server:
  urls: [ "$url" ]
trading:
  enabledChecks: [maximumOrderQuantity, maximumOrderNotional]
  orderCapacity: 4194304
  firm: { maximumOrderQuantity: 1000, maximumOrderNotional: 1000000 }
  accounts:
    - name: ACC1
  strategies:
    - name: momo
  instruments:
    - symbol: XYZ
      tickSize: 0.01
YAML

# The data directory is relative to the working directory: everything stays in the temporary one.
cd "$work"
step "an engine key"
key="$("${cli[@]}" keys add --config "$work/bulwark.yaml" --role engine --name bench --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')"

step "bulwark run on $url"
"${cli[@]}" run --config "$work/bulwark.yaml" > "$work/run.log" 2>&1 &
run_pid=$!
check='{"account":"ACC1","strategy":"momo","symbol":"XYZ","side":"buy","quantity":1,"price":10,"clientOrderId":1}'
for _ in $(seq 1 120); do
  if answer="$(curl -sf -H "Authorization: Bearer $key" -H 'Content-Type: application/json' -d "$check" "$url/api/v1/orders/check" 2>/dev/null)" \
     && [[ "$answer" == *'"accepted":true'* ]]; then
    break
  fi
  kill -0 "$run_pid" 2>/dev/null || { cat "$work/run.log"; fail "bulwark run exited"; }
  sleep 0.5
done
[[ "${answer:-}" == *'"accepted":true'* ]] || { cat "$work/run.log"; fail "the gate did not accept an order within 60 s: ${answer:-no answer}"; }
echo "first check: $answer"

step "wrk -t$threads -c$connections -d$duration --latency"
BULWARK_KEY="$key" wrk -t"$threads" -c"$connections" -d"$duration" --latency -s "$root/bench/server/orders.lua" "$url" | tee "$work/wrk.txt"
last="$(curl -sf -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  -d '{"account":"ACC1","strategy":"momo","symbol":"XYZ","side":"buy","quantity":1,"price":10,"clientOrderId":999999999}' "$url/api/v1/orders/check")"
echo "a check after the run: $last"

rps="$(sed -n 's/^Requests\/sec: *//p' "$work/wrk.txt")"
p50="$(awk '$1=="50%"{print $2}' "$work/wrk.txt")"
p99="$(awk '$1=="99%"{print $2}' "$work/wrk.txt")"
errors="$(sed -n 's/^ *Non-2xx or 3xx responses: *//p' "$work/wrk.txt")"
{
  echo "date: $(date -u +'%F %H:%M UTC')"
  echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores (shared), load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "command: THREADS=$threads CONNECTIONS=$connections DURATION=$duration bench/server/measure.sh"
  echo "checks/s: $rps"
  echo "latency p50: $p50  p99: $p99"
  echo "non-2xx responses: ${errors:-0}"
} > "$out/report.txt"
cat "$out/report.txt"
