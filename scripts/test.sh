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
echo
echo "$passed passed, $failed failed"
exit "$status"
