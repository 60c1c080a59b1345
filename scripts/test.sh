#!/usr/bin/env bash
# Runs every test of the solution. Installs the Debian packages the tests need when they are missing
# (scripts/debian-packages.txt), so a fresh Debian machine with the .NET 10 SDK needs nothing else.
# Extra arguments go to `dotnet test` (for example --filter "FullyQualifiedName~Health").
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

ensure_debian_packages "$root/scripts/debian-packages.txt"

step "dotnet test Bulwark.slnx (Release)"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
dotnet test Bulwark.slnx -c Release --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log" || status=$?

# One closing line over every test project: "N passed, N failed".
passed=$(awk '/^ +Passed: +[0-9]+$/ {s += $2} END {print s + 0}' "$log")
failed=$(awk '/^ +Failed: +[0-9]+$/ {s += $2} END {print s + 0}' "$log")
# The names of the failed tests again, last, so that the end of a long log says what broke.
if [ "$failed" -gt 0 ] || [ "$status" -ne 0 ]; then
  echo
  echo "Failed tests:"
  # Each failed test with the first lines of its error message (up to its stack trace).
  awk '/^ +Failed [A-Za-z_]/ {show = 1; lines = 0; named = 1}
       show && /^ +Stack Trace:/ {show = 0}
       show && lines < 12 {print "  " $0; lines++}
       END {if (!named) print "  (none named: see the build or test host errors above)"}' "$log"
fi
echo
echo "$passed passed, $failed failed"
exit "$status"
