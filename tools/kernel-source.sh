#!/bin/bash
# Unpacks Debian's linux-source-6.1 once into the cache (outside the
# checkout) and prints the tree's path. Shared by KUnit and lint.
set -euo pipefail

CACHE=${CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/drm-mdl}
SRC=$CACHE/linux-source-6.1

tarball=$(ls /usr/src/linux-source-6.1.tar.* 2>/dev/null | head -n 1 || true)
[ -n "$tarball" ] || {
	echo "kernel-source: linux-source-6.1 is not installed: run tools/install-deps.sh (or apt-get install linux-source-6.1)" >&2
	exit 1
}
if ! [ -f "$SRC/.drm-mdl-unpacked" ] || [ "$(cat "$SRC/.drm-mdl-unpacked")" != "$tarball" ]; then
	echo "kernel-source: unpacking $tarball into $CACHE" >&2
	rm -rf "$SRC" "$CACHE/kunit-build"
	mkdir -p "$CACHE"
	tar -C "$CACHE" -xf "$tarball"
	echo "$tarball" > "$SRC/.drm-mdl-unpacked"
fi
echo "$SRC"
