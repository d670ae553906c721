#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# `make dkms-check`: proves that the DKMS package source of mdl.ko (what
# mdl-dkms installs) goes through `dkms add`, `dkms build` and `dkms remove`.
# It builds against the headers of one test kernel (--kernel 6.1, 6.12, 7.2
# or 7.3, default $MDL_KERNEL, else 6.1) or of the kernels named, and checks
# that a kernel outside the supported range is refused with dkms.conf's
# message, not a compiler error. 6.1 and 6.12 are installed, so dkms finds
# their headers at /lib/modules/REL/build as it would for a user; Debian 12
# cannot install 7.2 and 7.3, so dkms builds against the kbuild tree of
# tools/debian-kernel.sh (--kernelsourcedir) for a release that has no
# /lib/modules directory here. The source is the one the mdl-dkms package
# ships: taken out of build/deb/mdl-dkms_<version>_all.deb when `make deb`
# built it, else staged by the same script. Everything happens in private dkms
# and source trees under a temporary directory, so an installed mdl-dkms
# package or other dkms modules are neither used nor disturbed.
#
#   packaging/dkms-check.sh [--kernel SERIES | KERNELRELEASE...]
#
# The last line printed is "SUMMARY dkms <kernel> <passed> <failed>".
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tools/kernel.sh
. "$TOP/tools/kernel.sh"
passed=0
failed=0
label=
if [ "${1-}" = --kernel ]; then
	label=$(mdl_kernel_series "${2-}") || exit 2
	shift 2
elif [ $# -eq 0 ]; then
	label=$(mdl_kernel_series) || exit 2
else
	label=$(IFS=,; echo "$*")
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/mdl-dkms-check.XXXXXX")
trap 'rm -rf "$work"' EXIT

pass() { echo "dkms-check: PASS $*"; passed=$((passed + 1)); }
fail() { echo "dkms-check: FAIL $*" >&2; failed=$((failed + 1)); }
summary() { echo "SUMMARY dkms $label $passed $failed"; [ "$failed" -eq 0 ]; exit; }

"$TOP/tools/install-deps.sh" || {
	fail "tools/install-deps.sh failed: run it by hand to see why (it needs apt-get and root or sudo)"
	summary
}

kernels=("$@")
if [ ${#kernels[@]} -eq 0 ]; then
	if release=$(mdl_kernel_release "$label"); then
		kernels=("$release")
	else
		fail "no $label test kernel with headers (the message above says why)"
		summary
	fi
fi

# 1. dkms.conf and the driver agree on the version.
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$TOP/dkms.conf")
driver=$(awk '/#define DRIVER_(MAJOR|MINOR|PATCHLEVEL)/ { v = v (v == "" ? "" : ".") $3 } END { print v }' \
	"$TOP/drivers/gpu/drm/mdl/mdl_drv.c")
if [ -n "$version" ] && [ "$version" = "$driver" ]; then
	pass "version $version (dkms.conf = mdl_drv.c)"
else
	fail "dkms.conf PACKAGE_VERSION '$version' differs from mdl_drv.c's '$driver': set PACKAGE_VERSION=\"$driver\" in dkms.conf"
fi

# 2. dkms add of the staged package source, in private trees.
src=$work/src
tree=$work/dkms
mkdir -p "$src" "$tree"
deb=$TOP/build/deb/mdl-dkms_${version}_all.deb
# Only a package at least as new as every source it ships counts.
if [ -f "$deb" ] && [ -z "$(cd "$TOP" && find Kbuild dkms.conf drivers include -newer "$deb" -print -quit)" ]; then
	dpkg-deb -x "$deb" "$work/deb" && cp -a "$work/deb/usr/src/." "$src/" || {
		fail "cannot unpack $deb"
		summary
	}
	echo "dkms-check: source from $deb"
elif ! "$TOP/packaging/dkms-source.sh" "$src" >/dev/null; then
	fail "packaging/dkms-source.sh could not stage the source"
	summary
fi
dkms=(dkms --sourcetree "$src" --dkmstree "$tree")
if "${dkms[@]}" add -m mdl -v "$version" >"$work/add.log" 2>&1; then
	pass "dkms add mdl/$version"
else
	cat "$work/add.log" >&2
	fail "dkms add mdl/$version: see the dkms output above"
	summary
fi

# 3. dkms build, one case per kernel; the module must carry its vermagic.
for k in "${kernels[@]}"; do
	kdir=$(mdl_kernel_release_kdir "$k")
	if ! [ -f "$kdir/Makefile" ]; then
		fail "build for $k: no headers at $kdir; apt-get install linux-headers-$k"
		continue
	fi
	# Only where dkms's own default would not find them.
	ksrc=()
	[ "$kdir" = "/lib/modules/$k/build" ] || ksrc=(--kernelsourcedir "$kdir")
	if "${dkms[@]}" build -m mdl -v "$version" -k "$k" "${ksrc[@]}" >"$work/build-$k.log" 2>&1; then
		ko=$(find "$tree/mdl/$version/$k" -name 'mdl.ko*' | head -n 1)
		magic=$(modinfo -F vermagic "$ko" 2>/dev/null || true)
		if [ -n "$ko" ] && [[ "$magic" == "$k "* ]]; then
			pass "dkms build for $k ($(basename "$ko"), vermagic $k)"
		else
			fail "dkms build for $k: no mdl.ko with vermagic '$k' under $tree/mdl/$version/$k"
		fi
	else
		log=$(ls "$tree/mdl/$version/build/make.log" 2>/dev/null || echo "$work/build-$k.log")
		tail -n 30 "$log" >&2
		fail "dkms build for $k: the tail of the build log is above; 'make KDIR=$kdir' reproduces it in the checkout"
	fi
done

# 4. A kernel outside the supported range gets dkms.conf's message. The
#    release need not exist: dkms judges BUILD_EXCLUSIVE_KERNEL first.
#    Debian 11's 5.10 is older than any kernel drm-mdl supports (dkms.conf
#    no longer caps the range at the newest tested kernel).
outside=5.10.0-30-amd64
"${dkms[@]}" build -m mdl -v "$version" -k "$outside" >"$work/outside.log" 2>&1
status=$?
if [ "$status" -ne 0 ] && grep -q 'BUILD_EXCLUSIVE' "$work/outside.log" &&
	! grep -q -i 'error:' "$work/outside.log"; then
	pass "dkms build for $outside refused: $(grep -m1 'BUILD_EXCLUSIVE' "$work/outside.log" | sed 's/^ *//' | cut -c1-100)"
else
	cat "$work/outside.log" >&2
	fail "dkms build for $outside (outside the supported range): expected dkms's BUILD_EXCLUSIVE message, got status $status and the output above"
fi

# 5. dkms remove leaves nothing behind.
if "${dkms[@]}" remove -m mdl -v "$version" --all >"$work/remove.log" 2>&1 &&
	! [ -e "$tree/mdl/$version" ]; then
	pass "dkms remove mdl/$version --all"
else
	cat "$work/remove.log" >&2
	fail "dkms remove mdl/$version --all left $tree/mdl/$version behind"
fi

summary
