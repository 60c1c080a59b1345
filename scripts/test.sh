#!/usr/bin/env bash
# Runs every test of the solution. Installs the Debian packages the tests need when they are missing
# (scripts/debian-packages.txt), so a fresh Debian machine with the .NET 10 SDK needs nothing else.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

ensure_debian_packages "$root/scripts/debian-packages.txt"

step "dotnet test Bulwark.slnx (Release)"
dotnet test Bulwark.slnx -c Release --logger "console;verbosity=normal" "$@"
