#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Builds the debug test kernel (issue 13): Debian's linux-source-7.3 (the newest tested kernel) with
# x86_64_defconfig plus tools/vm/debug-kernel/mdl-debug.config (KASAN,
# KFENCE, lockdep, kmemleak, DMA-API debug, DEBUG_PAGEALLOC, UBSAN bounds,
# fault injection), into the cache, and prints the build directory.
#
#   tools/vm/debug-kernel.sh [--quiet]
#
# The build is kept in $CACHE/debug-kernel-7.3: it starts over when the
# linux-source package or the compiler changes, is reconfigured in place
# when the fragment or this script does, and resumes when interrupted. What tools/kernel.sh reads from it:
#   DIR/kernel.release             the release (7.3.N-mdl-debug)
#   DIR/vmlinux, DIR/arch/x86/boot/bzImage
#   DIR/modroot/lib/modules/REL    its modules (DRM, TTM, vgem), installed
#   DIR                            a kbuild tree for mdl.ko (KDIR)
#   DIR/.drm-mdl-built             written last: the build is complete
set -euo pipefail

REPO=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
FRAGMENT=$REPO/tools/vm/debug-kernel/mdl-debug.config
CACHE=${CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/drm-mdl}
OUT=$CACHE/debug-kernel-7.3
quiet=0
[ "${1:-}" = --quiet ] && quiet=1

say() { echo "debug-kernel: $*" >&2; }

SRC=$("$REPO/tools/kernel-source.sh" 7.3)

mkdir -p "$CACHE"
exec 7>"$OUT.lock"
if ! flock -n 7; then
	say "another run builds $OUT; waiting for it"
	flock 7
fi

# A new source or compiler starts the build over; a new fragment or script
# only reconfigures it, and kbuild rebuilds what the changed options touch.
tree=$( {
	cat "$SRC/.drm-mdl-unpacked"
	gcc --version | head -n 1
} | sha256sum | cut -c1-16)
key=$( {
	echo "$tree"
	cat "$FRAGMENT" "$(readlink -f "${BASH_SOURCE[0]}")"
} | sha256sum | cut -c1-16)

if [ -f "$OUT/.drm-mdl-built" ] && [ "$(cat "$OUT/.drm-mdl-built")" = "$key" ]; then
	echo "$OUT"
	exit 0
fi

if [ "$(cat "$OUT/.drm-mdl-key" 2>/dev/null)" != "$key" ]; then
	if [ "$(cat "$OUT/.drm-mdl-tree" 2>/dev/null)" != "$tree" ]; then
		say "starting a new build in $OUT (new kernel source or compiler)"
		rm -rf "$OUT"
		mkdir -p "$OUT"
		echo "$tree" >"$OUT/.drm-mdl-tree"
	else
		say "reconfiguring the build in $OUT (the fragment or this script changed)"
		rm -f "$OUT/.drm-mdl-built"
	fi
	make -s -C "$SRC" O="$OUT" x86_64_defconfig >/dev/null
	"$SRC/scripts/kconfig/merge_config.sh" -m -O "$OUT" "$OUT/.config" "$FRAGMENT" >"$OUT/merge.log"
	make -s -C "$SRC" O="$OUT" olddefconfig >/dev/null

	# A line of the fragment that Kconfig dropped (a dependency it lacks)
	# would leave a checker silently out: refuse the build instead.
	bad=0
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*)
			grep -qxF "$line" "$OUT/.config" || {
				say "the fragment asks for '$line', .config has '$(grep "^${line%%=*}=" "$OUT/.config" || echo "${line%%=*} unset")'"
				bad=1
			}
			;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }
			sym=${sym%% *}
			if grep -q "^$sym=[ym]" "$OUT/.config"; then
				say "the fragment turns $sym off, .config has it on"
				bad=1
			fi
			;;
		esac
	done <"$FRAGMENT"
	if [ "$bad" = 1 ]; then
		say "FAIL: $FRAGMENT does not apply to $SRC; see $OUT/merge.log"
		rm -f "$OUT/.drm-mdl-key"
		exit 1
	fi
	echo "$key" >"$OUT/.drm-mdl-key"
fi

say "building $(make -s -C "$SRC" O="$OUT" kernelrelease) in $OUT (a cold build takes a while)"
started=$(date +%s)
log=$OUT/build.log
if ! make -C "$SRC" O="$OUT" -j"$(nproc)" vmlinux bzImage modules >"$log" 2>&1; then
	tail -n 40 "$log" >&2
	say "FAIL: the build failed; the whole log is $log"
	exit 1
fi
rm -rf "$OUT/modroot"
make -s -C "$SRC" O="$OUT" INSTALL_MOD_PATH="$OUT/modroot" modules_install >>"$log" 2>&1
make -s -C "$SRC" O="$OUT" kernelrelease >"$OUT/kernel.release"
echo "$key" >"$OUT/.drm-mdl-built"
[ "$quiet" = 1 ] || say "built $(cat "$OUT/kernel.release") in $(($(date +%s) - started)) s"
echo "$OUT"
