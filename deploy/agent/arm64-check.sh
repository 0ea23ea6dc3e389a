#!/usr/bin/env bash
# The arm64 agent, cross-compiled here and run under qemu-user (DEPENDENCIES.md): prints its version, then pours once
# with a simulated tap against the real server (AotAgentTests' pour test, the binary run through qemu-aarch64).
#   deploy/agent/arm64-check.sh [--published DIR]      (DIR: an arm64 AOT publish made before)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
published=""
[ "${1:-}" = "--published" ] && published="$2"
need=()
for p in clang zlib1g-dev gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
# The agent loads OpenSSL as soon as it makes an HTTP client (plain http too), so the emulated run needs arm64's
# libssl3: Debian's multiarch package, which brings arm64's libc6 along; qemu then runs the binary without -L.
dpkg --print-foreign-architectures | grep -qx arm64 || { [ "$(id -u)" = 0 ] && dpkg --add-architecture arm64 && apt-get update -qq; }
dpkg-query -W -f='${Status}' libssl3:arm64 2>/dev/null | grep -q "install ok installed" || need+=("libssl3:arm64")
if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "Missing: sudo apt-get install -y ${need[*]}" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
if [ -z "$published" ]; then
  published=$(mktemp -d)
  trap 'rm -rf "$published"' EXIT
  dotnet publish "$root/controller-agent/TapRoom.ControllerAgent" -c Release -r linux-arm64 -p:PublishAot=true \
    -p:CppCompilerAndLinker=clang -p:LinkerFlavor=bfd -p:ObjCopyName=aarch64-linux-gnu-objcopy -o "$published" -nologo -v q
fi
file "$published/taproom-agent"
qemu-aarch64 "$published/taproom-agent" --version
TAPROOM_AGENT_AOT="$published/taproom-agent" TAPROOM_AGENT_AOT_RUNNER=qemu-aarch64 \
  dotnet test "$root/tests/TapRoom.ControllerAgent.Tests" --nologo --filter "FullyQualifiedName~AotAgentTests.The_binary_authorises_a_card_pours_and_the_pour_is_charged_once"
