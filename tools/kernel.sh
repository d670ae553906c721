#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Sourced by the scripts that work on one of the test kernels: which kernel
# series (6.1, the default, or 6.12) and where its pieces are.
#
#   MDL_KERNEL=6.12     the series; scripts also take --kernel SERIES, and
#                       `make ... KERNEL=6.12` sets it
#
#   mdl_kernel_series [SERIES]   validated series, from the argument or
#                                MDL_KERNEL; exits with a message otherwise
#   mdl_kernel_release SERIES    newest installed Debian kernel release of
#                                the series (image, modules and headers)
#   mdl_kernel_kdir SERIES       its headers (a kbuild directory)
#
# The VM scripts (mdl-vm, run-suite.sh, trace-check.sh, hardening/run.sh,
# build-module.sh) also boot "debug": the sanitizing 6.12 kernel that
# tools/vm/debug-kernel.sh builds into the cache. They validate with
#   mdl_vm_kernel_series [SERIES]  6.1, 6.12 or debug
#   mdl_kernel_image RELEASE       the bootable image of a release
#   mdl_kernel_modroot RELEASE     the root its lib/modules/RELEASE is under

MDL_KERNEL_SERIES_ALL="6.1 6.12"

mdl_kernel_series() {
	local series=${1:-${MDL_KERNEL:-6.1}}
	case $series in
	6.1 | 6.12) echo "$series" ;;
	*)
		echo "unknown kernel series '$series': drm-mdl's test kernels are $MDL_KERNEL_SERIES_ALL" >&2
		return 2
		;;
	esac
}

mdl_vm_kernel_series() {
	local series=${1:-${MDL_KERNEL:-6.1}}
	case $series in
	debug) echo debug ;;
	*) mdl_kernel_series "$series" ;;
	esac
}

MDL_DEBUG_KERNEL_DIR=${CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/drm-mdl}/debug-kernel-6.12

# The debug kernel's release names itself: 6.12.N-mdl-debug.
mdl_is_debug_release() {
	case $1 in
	*-mdl-debug) return 0 ;;
	esac
	return 1
}

mdl_kernel_image() {
	if mdl_is_debug_release "$1"; then
		echo "$MDL_DEBUG_KERNEL_DIR/arch/x86/boot/bzImage"
	else
		echo "/boot/vmlinuz-$1"
	fi
}

mdl_kernel_modroot() {
	if mdl_is_debug_release "$1"; then
		echo "$MDL_DEBUG_KERNEL_DIR/modroot"
	else
		echo /
	fi
}

# Debian names them 6.1.0-N-amd64 and 6.12.N+deb12-amd64 (6.12.N+deb13 in
# Debian 13 itself).
mdl_kernel_release() {
	local series=$1 dir rel
	if [ "$series" = debug ]; then
		if [ -f "$MDL_DEBUG_KERNEL_DIR/.drm-mdl-built" ]; then
			cat "$MDL_DEBUG_KERNEL_DIR/kernel.release"
			return 0
		fi
		echo "the debug kernel is not built (tools/vm/debug-kernel.sh builds it; make check-debug runs it)" >&2
		return 1
	fi
	for dir in $(ls -d /lib/modules/"$series".*-amd64 2>/dev/null | sort -V -r); do
		rel=${dir##*/}
		if [ -f "/boot/vmlinuz-$rel" ] && [ -d "$dir/build" ]; then
			echo "$rel"
			return 0
		fi
	done
	echo "no Debian $series kernel with headers is installed (run tools/install-deps.sh)" >&2
	return 1
}

mdl_kernel_kdir() {
	local rel
	if [ "$1" = debug ]; then
		mdl_kernel_release debug >/dev/null || return 1
		echo "$MDL_DEBUG_KERNEL_DIR"
		return 0
	fi
	rel=$(mdl_kernel_release "$1") || return 1
	echo "/lib/modules/$rel/build"
}
