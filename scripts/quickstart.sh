#!/usr/bin/env bash
# The main job on the embedded default (SQLite under ./.bulwark): builds Bulwark, starts the
# quickstart target, and runs `bulwark run --config examples/quickstart.yaml` until Ctrl-C.
# Extra arguments go to `bulwark run` (for example --json).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

step "building (Release)"
dotnet build Bulwark.slnx -c Release -nologo -v quiet

step "starting the quickstart target"
scripts/quickstart-target.sh start
trap 'scripts/quickstart-target.sh stop >/dev/null 2>&1 || true' EXIT

step "bulwark run --config examples/quickstart.yaml   (stop the target from another terminal: scripts/quickstart-target.sh stop)"
dotnet src/Bulwark.Cli/bin/Release/net10.0/Bulwark.Cli.dll run --config examples/quickstart.yaml "$@"
