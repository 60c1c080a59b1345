#!/usr/bin/env bash
# Starts or stops the quickstart's target (samples/QuickstartTarget): HTTP on 127.0.0.1:8787,
# TCP on 127.0.0.1:8788, pid in .bulwark/quickstart-target.pid.
#   scripts/quickstart-target.sh start|stop|status
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
pidfile=.bulwark/quickstart-target.pid
dll=samples/QuickstartTarget/bin/Release/net10.0/QuickstartTarget.dll

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

case "${1:-}" in
  start)
    if running; then echo "quickstart target already running (pid $(cat "$pidfile"))"; exit 0; fi
    [ -f "$dll" ] || dotnet build samples/QuickstartTarget -c Release -nologo -v quiet >&2
    mkdir -p .bulwark
    nohup dotnet "$dll" --pid-file "$pidfile" > .bulwark/quickstart-target.log 2>&1 &
    for _ in $(seq 1 100); do running && break; sleep 0.1; done
    running || { echo "quickstart target did not start; see .bulwark/quickstart-target.log" >&2; exit 1; }
    echo "quickstart target started (pid $(cat "$pidfile"))"
    ;;
  stop)
    if ! running; then echo "quickstart target is not running"; exit 0; fi
    pid="$(cat "$pidfile")"
    kill "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    echo "quickstart target stopped (was pid $pid)"
    ;;
  status)
    if running; then echo "running (pid $(cat "$pidfile"))"; else echo "stopped"; exit 1; fi
    ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
