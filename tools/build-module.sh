#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Builds mdl.ko for one kernel, at W=1, outside the source directories:
# the sources are copied (compared by content, without their timestamps:
# an unchanged file keeps its time, so the build stays incremental, and a
# changed one is newer than its objects even after checking out an older
# commit) to build/kmod/<kernel release>/, so modules for
# 6.1 and 6.12 live side by side and never share an object file. Prints the
# path of mdl.ko on the last line.
#
#   tools/build-module.sh [--kernel SERIES | --kdir KDIR] [-- MAKE ARGS...]
#
# Without an option: KDIR from the environment when set, else the running
# kernel's headers when installed, else the test kernel of MDL_KERNEL
# (default 6.1). Build warnings fail the build.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tools/kernel.sh
. "$TOP/tools/kernel.sh"

kdir=${KDIR:-}
series=
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) series=$(mdl_vm_kernel_series "${2-}") || exit 2; kdir=; shift ;;
	--kdir) kdir=${2-}; shift ;;
	--) shift; break ;;
	*) echo "build-module: unknown option '$1'" >&2; exit 2 ;;
	esac
	shift
done

if [ -z "$kdir" ]; then
	if [ -z "$series" ] && [ -z "${MDL_KERNEL-}" ] && [ -d "/lib/modules/$(uname -r)/build" ]; then
		kdir=/lib/modules/$(uname -r)/build
	else
		series=$(mdl_vm_kernel_series "$series") || exit 2
		kdir=$(mdl_kernel_kdir "$series") || exit 1
	fi
fi
[ -f "$kdir/Makefile" ] || {
	echo "build-module: $kdir is not a kernel build directory (install the headers, or set KDIR)" >&2
	exit 1
}
# The release the module's vermagic will carry: Debian's headers keep the
# upstream version in include/config/kernel.release, not their own name.
release=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$kdir/include/generated/utsrelease.h" 2>/dev/null)
[ -n "$release" ] || release=$(make -s -C "$kdir" kernelrelease)
out=$TOP/build/kmod/$release
mkdir -p "$out"

# Two builds for the same kernel must not run in the same directory.
exec 9>"$out.lock"
flock 9

rsync -rlpc --delete --exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
	--exclude='*.mod.c' --exclude='.*.cmd' --exclude='mdl_compat_probed.h*' --exclude='modules.order' \
	--exclude='Module.symvers' --exclude='.tmp_versions' \
	--include='/Kbuild' --include='/drivers/***' --include='/include/***' --exclude='/*' \
	"$TOP/" "$out/"

# The 7.x kbuild trees share their sources with the KUnit build of the same
# series, whose overlay (tools/kunit/overlay.sh) puts drm-mdl's headers into
# the kernel's include/. The kernel's include path comes before the module's,
# so a copy older than the checkout's would shadow it: bring it up to date.
srctree=$(readlink -f "$kdir/source" 2>/dev/null || true)
if [ -n "$srctree" ] && [ -f "$srctree/include/drm/drm_mdl.h" ]; then
	rsync -rlpc "$TOP"/include/drm/drm_mdl*.h "$srctree/include/drm/"
	rsync -rlpc "$TOP/include/uapi/drm/mdl_drm.h" "$srctree/include/uapi/drm/mdl_drm.h"
fi

log=$out/build.log
status=0
make -C "$kdir" M="$out" W=1 -j"$(nproc)" "$@" modules >"$log" 2>&1 || status=$?
# Kbuild's own messages go to stdout; compiler and modpost diagnostics to
# the log above, which a clean build leaves without a warning or error.
if [ "$status" != 0 ] || grep -E -i '(warning|error)[: ]' "$log" >&2; then
	cat "$log" >&2
	echo "build-module: mdl.ko for $release does not build cleanly (log: $log)" >&2
	exit 1
fi
echo "$out/drivers/gpu/drm/mdl/mdl.ko"
