#!/usr/bin/env bash
# Breaks the quickstart's target (samples/QuickstartTarget) that `bulwark run --config examples/quickstart.yaml`
# supervises (HTTP on 127.0.0.1:8787, TCP on 127.0.0.1:8788), to watch Bulwark detect it and repair it.
#   scripts/quickstart-target.sh kill     SIGKILL: the supervisor sees the exit at once, the restart plan brings it back
#   scripts/quickstart-target.sh hang     SIGSTOP: alive but silent; its HTTP check fails, Critical, the plan restarts it
#   scripts/quickstart-target.sh status   the supervised pid
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
pidfile=.bulwark/processes/quickstart-web.0.pid

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

case "${1:-}" in
  kill|hang)
    if ! running; then echo "the quickstart target is not running: start ./scripts/quickstart.sh first" >&2; exit 1; fi
    pid="$(cat "$pidfile")"
    if [ "$1" = kill ]; then kill -KILL "$pid"; else kill -STOP "$pid"; fi
    echo "sent SIG$([ "$1" = kill ] && echo KILL || echo STOP) to the quickstart target (pid $pid); watch ./bulwark recover history"
    ;;
  status)
    if running; then echo "running (pid $(cat "$pidfile"))"; else echo "stopped"; exit 1; fi
    ;;
  *) echo "usage: $0 kill|hang|status" >&2; exit 2 ;;
esac
