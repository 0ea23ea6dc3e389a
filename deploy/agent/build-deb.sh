#!/usr/bin/env bash
# Builds the controller agent's Debian package: the Native AOT binary, its systemd unit, its conffile, its user.
#   deploy/agent/build-deb.sh --arch amd64|arm64 --out DIR [--published DIR]
# Without --published it publishes the agent itself (Native AOT; arm64 is cross-compiled with Debian's cross
# toolchain, DEPENDENCIES.md); with it, it packages a publish directory made before (./test.sh does that).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
arch="" out="" published=""
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) arch="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --published) published="$2"; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
case "$arch" in
  amd64) rid=linux-x64 ;;
  arm64) rid=linux-arm64 ;;
  *) echo "usage: $0 --arch amd64|arm64 --out DIR [--published DIR]" >&2; exit 2 ;;
esac
[ -n "$out" ] || { echo "--out DIR is required" >&2; exit 2; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$root/controller-agent/TapRoom.ControllerAgent/TapRoom.ControllerAgent.csproj" | head -1)

# Debian packages the build needs, installed when missing (as root) or named.
need() { # package...
  local missing=()
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = "0" ]; then
    echo "Installing ${missing[*]} (apt-get)..."
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >/dev/null
  else
    echo "Missing: sudo apt-get install -y ${missing[*]}" >&2; exit 1
  fi
}

cleanup=()
trap 'rm -rf "${cleanup[@]}"' EXIT
if [ -z "$published" ]; then
  published=$(mktemp -d)
  cleanup+=("$published")
  extra=()
  if [ "$arch" = arm64 ] && [ "$(uname -m)" != aarch64 ]; then
    need clang zlib1g-dev gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross
    extra=(-p:CppCompilerAndLinker=clang -p:LinkerFlavor=bfd -p:ObjCopyName=aarch64-linux-gnu-objcopy)
  else
    need clang zlib1g-dev
  fi
  dotnet publish "$root/controller-agent/TapRoom.ControllerAgent" -c Release -r "$rid" -p:PublishAot=true "${extra[@]}" -o "$published" -nologo -v q
fi
[ -x "$published/taproom-agent" ] || { echo "$published/taproom-agent is missing" >&2; exit 1; }

stage=$(mktemp -d)
cleanup+=("$stage")
lib="$stage/usr/lib/taproom-agent"
install -d "$lib" "$stage/usr/bin" "$stage/usr/sbin" "$stage/lib/systemd/system" "$stage/etc/taproom-agent" "$stage/usr/share/doc/taproom-agent" "$stage/DEBIAN"
install -m 0755 "$published/taproom-agent" "$lib/"
# The native libraries Native AOT leaves beside the binary (SQLite for the journal, serial ports for UART readers).
for so in "$published"/*.so; do install -m 0644 "$so" "$lib/"; done
install -m 0644 "$published/appsettings.json" "$lib/"
ln -s ../lib/taproom-agent/taproom-agent "$stage/usr/bin/taproom-agent"
install -m 0755 "$here/taproom-agent-server" "$stage/usr/sbin/"
install -m 0644 "$here/taproom-agent.service" "$stage/lib/systemd/system/"
install -m 0644 "$here/agent.json" "$stage/etc/taproom-agent/"
install -m 0644 "$here/README" "$stage/usr/share/doc/taproom-agent/"
install -m 0755 "$here/debian/postinst" "$here/debian/prerm" "$here/debian/postrm" "$stage/DEBIAN/"
echo "/etc/taproom-agent/agent.json" > "$stage/DEBIAN/conffiles"
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat > "$stage/DEBIAN/control" <<CONTROL
Package: taproom-agent
Version: $version
Architecture: $arch
Maintainer: TapRoom <taproom@localhost>
Installed-Size: $size
Depends: libc6 (>= 2.31), libssl3 | libssl3t64, passwd
Recommends: libgpiod3 | libgpiod2
Section: misc
Priority: optional
Description: TapRoom controller agent for self-pour taps
 Drives the valves, flow meters and card readers of up to a few taps and talks
 to the TapRoom server. A Native AOT build: no .NET runtime needed. Started by
 systemd as the taproom user; with no key it shows a pairing code that an admin
 enters in the dashboard.
CONTROL
deb="$out/taproom-agent_${version}_${arch}.deb"
dpkg-deb --root-owner-group --build "$stage" "$deb" >/dev/null
echo "$deb"
