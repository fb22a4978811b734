#!/usr/bin/env bash
# make release: stripped libraries and dist/godotsteam_sockets-<version>.zip laid out as a Godot addon:
#
#   addons/godotsteam_sockets/godotsteam_sockets.gdextension
#   addons/godotsteam_sockets/bin/libgodotsteam_sockets.linux.x86_64.so
#   addons/godotsteam_sockets/bin/libgodotsteam_sockets.windows.x86_64.dll   (when mingw-w64 is installed)
#   addons/godotsteam_sockets/README.txt
#
# Unzip it into a Godot project's root folder. The version (git describe) is linked into the library
# and returned by Steam.get_godotsteam_sockets_version().
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
MINGW_CC=${MINGW_CC:-x86_64-w64-mingw32-gcc}
DIST_DIR=${DIST_DIR:-dist}
VERSION=${VERSION:-$(git describe --always --dirty --tags 2>/dev/null || echo dev)}
ldflags="-s -w -X godotsteam-sockets/bindings.Version=${VERSION}"

command -v zip >/dev/null 2>&1 || { echo "error: 'zip' not found: apt-get install zip" >&2; exit 1; }

stage="$DIST_DIR/stage"
addon="$stage/addons/godotsteam_sockets"
rm -rf "$stage"
mkdir -p "$addon/bin"

echo "release: linux x86_64 (version $VERSION)"
CGO_ENABLED=1 "$GO" build -buildmode=c-shared -trimpath -ldflags "$ldflags" \
  -o "$addon/bin/libgodotsteam_sockets.linux.x86_64.so" ./extension
rm -f "$addon/bin/"*.h
if command -v strip >/dev/null 2>&1; then
  strip --strip-unneeded "$addon/bin/libgodotsteam_sockets.linux.x86_64.so"
fi

platforms="linux.x86_64"
if command -v "$MINGW_CC" >/dev/null 2>&1; then
  echo "release: windows x86_64"
  CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC="$MINGW_CC" "$GO" build -buildmode=c-shared -trimpath \
    -ldflags "$ldflags" -o "$addon/bin/libgodotsteam_sockets.windows.x86_64.dll" ./extension
  rm -f "$addon/bin/"*.h
  platforms="$platforms, windows.x86_64"
else
  echo "release: skipping Windows: '$MINGW_CC' is not installed (Debian: apt-get install gcc-mingw-w64-x86-64)"
fi

cp godotsteam_sockets.gdextension "$addon/godotsteam_sockets.gdextension"
cat > "$addon/README.txt" <<TXT
godotsteam-sockets ${VERSION}
==============================

The Networking Sockets API of GodotSteam's Steam singleton (same GDScript names, arguments,
dictionaries, signals and constants) with no Steam: a GDExtension written in Go whose own
networking engine speaks the wire protocol of Valve's open-source GameNetworkingSockets over UDP.

Platforms in this archive: ${platforms}
Godot: 4.3 or newer.

Install: unzip into your project's root folder so that this file ends up at
res://addons/godotsteam_sockets/README.txt, then restart the editor. The class reference is
built in: press F1 in the editor and search for "Steam".

Use it from GDScript exactly like GodotSteam's networking sockets:

    func _ready() -> void:
        Steam.network_connection_status_changed.connect(_on_status_changed)
        var listen: int = Steam.createListenSocketIP("0.0.0.0:27015", {})

    func _process(_delta: float) -> void:
        Steam.run_callbacks()

    func _on_status_changed(connection: int, info: Dictionary, _old_state: int) -> void:
        if info.listen_socket != 0 and info.connection_state == Steam.CONNECTION_STATE_CONNECTING:
            Steam.acceptConnection(connection)

No Steam account, Steam client or Valve relay network is used or needed; P2P-by-SteamID,
FakeIP, Valve-hosted dedicated servers and Steam certificates are not available and return
the documented failure values. Steam.get_godotsteam_sockets_version() returns "${VERSION}".

Source, documentation and licence terms: see the project's README.md.
TXT

mkdir -p "$DIST_DIR"
zipfile="$DIST_DIR/godotsteam_sockets-${VERSION}.zip"
rm -f "$zipfile"
(cd "$stage" && zip -qr -X "../$(basename "$zipfile")" addons)
echo "release: wrote $zipfile"
(cd "$stage" && find addons -type f | sort | sed 's/^/  /')
