#!/usr/bin/env bash
# The main job: builds Bulwark and the samples (Release), then `bulwark demo`: the server and its dashboard, the venue
# simulator, two PaperTrader engines under active/passive failover on the SQLite coordinator trading through the
# server's risk gate, SLOs and recovery plans, all under ./.bulwark-demo. It prints the dashboard URL and a viewer and
# an operator key. Ctrl-C stops everything it started. Extra arguments go to `bulwark demo` (--urls, --rate, --data-dir).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

step "building (Release)"
dotnet build Bulwark.slnx -c Release -nologo -v quiet

step "bulwark demo   (Ctrl-C stops it and everything it started)"
exec dotnet src/Bulwark.Cli/bin/Release/net10.0/Bulwark.Cli.dll demo "$@"
