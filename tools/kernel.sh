#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Sourced by the scripts that work on one of the test kernels: which kernel
# series (6.1, the default, 6.12, 7.2 or 7.3) and where its pieces are.
#
#   MDL_KERNEL=7.3      the series; scripts also take --kernel SERIES, and
#                       `make ... KERNEL=7.3` sets it
#
#   mdl_kernel_series [SERIES]   validated series, from the argument or
#                                MDL_KERNEL; exits with a message otherwise
#   mdl_kernel_release SERIES    the Debian kernel release of the series
#                                (image, modules and a kbuild tree)
#   mdl_kernel_kdir SERIES       its kbuild directory (KDIR)
#   mdl_kernel_release_kdir RELEASE  the same, for a release
#   mdl_kernel_check_steps SERIES    the steps `make check` runs on it
#   mdl_kunitconfig_for_tree SRC FILE  FILE as kunit.py of tree SRC takes it
#
# 6.1 and 6.12 are installed on the host by apt (tools/install-deps.sh:
# /boot/vmlinuz-REL, /lib/modules/REL/build). Debian 12 cannot install 7.2
# and 7.3: tools/debian-kernel.sh takes them out of Debian's archive into
# $CACHE/debian-kernel/REL (image, modules and a kbuild tree made from
# linux-source), with private apt lists, and nothing on the host changes.
#
# The VM scripts (mdl-vm, run-suite.sh, trace-check.sh, hardening/run.sh,
# build-module.sh) also boot "debug": the sanitizing kernel that
# tools/vm/debug-kernel.sh builds from linux-source-7.3 into the cache.
# They validate with
#   mdl_vm_kernel_series [SERIES]  a series above, or debug
#   mdl_kernel_image RELEASE       the bootable image of a release
#   mdl_kernel_modroot RELEASE     the root its lib/modules/RELEASE is under

MDL_KERNEL_SERIES_ALL="6.1 6.12 7.2 7.3"

mdl_kernel_series() {
	local series=${1:-${MDL_KERNEL:-6.1}}
	case $series in
	6.1 | 6.12 | 7.2 | 7.3) echo "$series" ;;
	*)
		echo "unknown kernel series '$series': drm-mdl's test kernels are $MDL_KERNEL_SERIES_ALL" >&2
		return 2
		;;
	esac
}

# The steps of `make check` (tools/check.sh) a series gets, in order. 7.2
# only has to show that the driver builds, passes KUnit and runs the VM
# suite between 6.12 and 7.3; the longer steps run on the newest kernel.
mdl_kernel_check_steps() {
	case $1 in
	7.2) echo "module kunit vm" ;;
	*) echo "module kunit vm trace hardening dkms bench" ;;
	esac
}

mdl_vm_kernel_series() {
	local series=${1:-${MDL_KERNEL:-6.1}}
	case $series in
	debug) echo debug ;;
	*) mdl_kernel_series "$series" ;;
	esac
}

# The cache, as every script computes it (make exports CACHE); kept here so
# that tools/debian-kernel.sh, run from below, uses the same one.
MDL_CACHE_DIR=${CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/drm-mdl}
MDL_DEBUG_KERNEL_DIR=$MDL_CACHE_DIR/debug-kernel-7.3
MDL_DEBIAN_KERNEL_BASE=$MDL_CACHE_DIR/debian-kernel
MDL_TOOLS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# The debug kernel's release names itself: 7.3.N-mdl-debug.
mdl_is_debug_release() {
	case $1 in
	*-mdl-debug) return 0 ;;
	esac
	return 1
}

# A release that tools/debian-kernel.sh provided (and finished) in the
# cache: its directory. 6.1 and 6.12 have none.
mdl_debian_kernel_dir() {
	local dir=$MDL_DEBIAN_KERNEL_BASE/$1
	[ -n "$1" ] && [ -f "$dir/.drm-mdl-ready" ] || return 1
	echo "$dir"
}

mdl_kernel_image() {
	local dir
	if mdl_is_debug_release "$1"; then
		echo "$MDL_DEBUG_KERNEL_DIR/arch/x86/boot/bzImage"
	elif dir=$(mdl_debian_kernel_dir "$1"); then
		echo "$dir/vmlinuz"
	else
		echo "/boot/vmlinuz-$1"
	fi
}

mdl_kernel_modroot() {
	local dir
	if mdl_is_debug_release "$1"; then
		echo "$MDL_DEBUG_KERNEL_DIR/modroot"
	elif dir=$(mdl_debian_kernel_dir "$1"); then
		echo "$dir/modroot"
	else
		echo /
	fi
}

# Debian names them 6.1.0-N-amd64, 6.12.N+deb12-amd64 (6.12.N+deb13 in
# Debian 13 itself), 7.3.N+deb13-amd64 (trixie-backports) and
# 7.2.N+deb14-amd64 (forky/sid).
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
	case $series in
	7.*)
		# Cached after the first run (minutes: downloads and a
		# modules_prepare), then a directory lookup.
		dir=$(CACHE=$MDL_CACHE_DIR "$MDL_TOOLS_DIR/debian-kernel.sh" "$series") &&
			[ -f "$dir/release" ] || {
			echo "no Debian $series kernel: tools/debian-kernel.sh $series failed (see above)" >&2
			return 1
		}
		cat "$dir/release"
		return 0
		;;
	esac
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

mdl_kernel_release_kdir() {
	local dir
	if mdl_is_debug_release "$1"; then
		echo "$MDL_DEBUG_KERNEL_DIR"
	elif dir=$(mdl_debian_kernel_dir "$1"); then
		echo "$dir/kbuild"
	else
		echo "/lib/modules/$1/build"
	fi
}

# A kunitconfig (kunit/.kunitconfig, tools/bench/bench.kunitconfig) for one
# source tree, on stdout. Up to 6.12, kunit.py's arch_uml.config turns on
# PCI over virtio, whose device ID the kunitconfigs must set (its init WARNs
# without one); 7.x's turns on KUNIT_UML_PCI instead, without virtio, and
# kunit.py stops on a kunitconfig option that the .config does not have.
mdl_kunitconfig_for_tree() {
	if grep -q '^CONFIG_UML_PCI_OVER_VIRTIO=y' "$1/tools/testing/kunit/configs/arch_uml.config" 2>/dev/null; then
		cat "$2"
	else
		grep -v '^CONFIG_UML_PCI_OVER_VIRTIO_DEVICE_ID=' "$2"
	fi
}

mdl_kernel_kdir() {
	local rel
	rel=$(mdl_kernel_release "$1") || return 1
	mdl_kernel_release_kdir "$rel"
}
