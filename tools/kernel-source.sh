#!/bin/bash
# Unpacks Debian's linux-source-SERIES once into the cache (outside the
# checkout) and prints the tree's path. Shared by KUnit, lint, the
# benchmark, the debug kernel and the kbuild trees of tools/debian-kernel.sh.
#
#   tools/kernel-source.sh [SERIES]     SERIES: 6.1 (default), 6.12, 7.2, 7.3
#
# 6.1 and 6.12 come from the host's apt (/usr/src, tools/install-deps.sh);
# 7.2 and 7.3 from the package tools/debian-kernel.sh takes out of Debian's
# archive without installing it.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
SERIES=${1:-6.1}
CACHE=${CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/drm-mdl}
SRC=$CACHE/linux-source-$SERIES

tarball=${MDL_KERNEL_SOURCE_TARBALL-}
stamp_version=${MDL_KERNEL_SOURCE_STAMP-}
if [ -z "$tarball" ]; then
	case $SERIES in
	6.*)
		tarball=$(ls "/usr/src/linux-source-$SERIES.tar."* 2>/dev/null | head -n 1 || true)
		[ -n "$tarball" ] || {
			echo "kernel-source: linux-source-$SERIES is not installed: run tools/install-deps.sh (or apt-get install linux-source-$SERIES)" >&2
			exit 1
		}
		stamp_version=$(dpkg-query -W -f='${Version}' "linux-source-$SERIES" 2>/dev/null || stat -c %Y "$tarball")
		;;
	*)
		dir=$("$TOP/tools/debian-kernel.sh" "$SERIES")
		tarball=$(ls "$dir"/root/usr/src/linux-source-"$SERIES".tar.* | head -n 1)
		stamp_version=$(cat "$dir/source-version")
		;;
	esac
fi
# The package version, not only the path: an upgraded linux-source keeps
# its file name and must still replace the old tree.
stamp="linux-source-$SERIES $stamp_version"
if ! [ -f "$SRC/.drm-mdl-unpacked" ] || [ "$(cat "$SRC/.drm-mdl-unpacked")" != "$stamp" ]; then
	echo "kernel-source: unpacking $tarball into $CACHE" >&2
	rm -rf "$SRC" "$CACHE/kunit-build-$SERIES"
	[ "$SERIES" = 6.1 ] && rm -rf "$CACHE/kunit-build"
	mkdir -p "$CACHE"
	tar -C "$CACHE" -xf "$tarball"
	echo "$stamp" > "$SRC/.drm-mdl-unpacked"
fi
echo "$SRC"
