#!/bin/bash
# Unpacks Debian's linux-source-SERIES once into the cache (outside the
# checkout) and prints the tree's path. Shared by KUnit, lint and the
# benchmark.
#
#   tools/kernel-source.sh [SERIES]     SERIES: 6.1 (default) or 6.12
set -euo pipefail

SERIES=${1:-6.1}
CACHE=${CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/drm-mdl}
SRC=$CACHE/linux-source-$SERIES

tarball=$(ls "/usr/src/linux-source-$SERIES.tar."* 2>/dev/null | head -n 1 || true)
[ -n "$tarball" ] || {
	echo "kernel-source: linux-source-$SERIES is not installed: run tools/install-deps.sh (or apt-get install linux-source-$SERIES)" >&2
	exit 1
}
# The package version, not only the path: an upgraded linux-source keeps
# its file name and must still replace the old tree.
stamp="$tarball $(dpkg-query -W -f='${Version}' "linux-source-$SERIES" 2>/dev/null || stat -c %Y "$tarball")"
if ! [ -f "$SRC/.drm-mdl-unpacked" ] || [ "$(cat "$SRC/.drm-mdl-unpacked")" != "$stamp" ]; then
	echo "kernel-source: unpacking $tarball into $CACHE" >&2
	rm -rf "$SRC" "$CACHE/kunit-build-$SERIES"
	[ "$SERIES" = 6.1 ] && rm -rf "$CACHE/kunit-build"
	mkdir -p "$CACHE"
	tar -C "$CACHE" -xf "$tarball"
	echo "$stamp" > "$SRC/.drm-mdl-unpacked"
fi
echo "$SRC"
