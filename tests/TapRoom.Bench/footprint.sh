#!/usr/bin/env bash
# The controller agent's footprint, JIT vs ReadyToRun vs Native AOT (docs/PERFORMANCE.md): publishes the two
# ahead-of-time builds for this machine, then runs the bench's footprint command with 4 simulated taps.
#   tests/TapRoom.Bench/footprint.sh [idleSeconds, default 30] [cold starts per build, default 3]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rid=linux-$(uname -m | sed 's/x86_64/x64/;s/aarch64/arm64/')
agent="$root/controller-agent/TapRoom.ControllerAgent"
dotnet publish "$agent" -c Release -r "$rid" --self-contained false -p:PublishReadyToRun=true -o "$work/r2r" -nologo -v q
dotnet publish "$agent" -c Release -r "$rid" -p:PublishAot=true -o "$work/aot" -nologo -v q
TAPROOM_AGENT_R2R="$work/r2r/taproom-agent" TAPROOM_AGENT_AOT="$work/aot/taproom-agent" \
  dotnet run -c Release --project "$root/tests/TapRoom.Bench" -- footprint "${1:-30}" "${2:-3}"
