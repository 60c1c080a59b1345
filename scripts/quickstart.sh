#!/usr/bin/env bash
# The main job on the embedded default (SQLite under ./.bulwark): builds Bulwark and runs
# `bulwark run --config examples/quickstart.yaml` until Ctrl-C. Bulwark starts the quickstart target itself and
# supervises it (recovery.processes); break it from another terminal with scripts/quickstart-target.sh kill|hang.
# Extra arguments go to `bulwark run` (for example --json).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

step "building (Release)"
dotnet build Bulwark.slnx -c Release -nologo -v quiet

step "bulwark run --config examples/quickstart.yaml   (it starts the target; break it from another terminal: scripts/quickstart-target.sh kill)"
exec dotnet src/Bulwark.Cli/bin/Release/net10.0/Bulwark.Cli.dll run --config examples/quickstart.yaml "$@"
