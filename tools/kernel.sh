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

# Debian names them 6.1.0-N-amd64 and 6.12.N+deb12-amd64 (6.12.N+deb13 in
# Debian 13 itself).
mdl_kernel_release() {
	local series=$1 dir rel
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
	rel=$(mdl_kernel_release "$1") || return 1
	echo "/lib/modules/$rel/build"
}
