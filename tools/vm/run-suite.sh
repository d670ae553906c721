#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The VM part of `make check` (via `make vm-test`): the GoogleTest suite
# build/tools/mdl_tests in the test VM, once behind the emulated IOMMU and
# once without one, since the driver's results differ in kind between the
# two (logical addresses equal physical ones only without), plus one check
# that drm_info sees the mdl device.
#
#   tools/vm/run-suite.sh [GTEST_ARGS...]     e.g. --gtest_filter='Alloc*'
#
# Environment: MDL_KERNEL (the test kernel series, default 6.1), MDL_TESTS
# (the test binary), MDL_VM_TIMEOUT (seconds a boot, default 600).
# The last line of output is always `SUMMARY vm <kernel> <passed> <failed>`, which
# tools/check.sh adds up; the exit status is non-zero on any failure.

set -uo pipefail

REPO=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
VM=$REPO/tools/vm/mdl-vm
# shellcheck source=tools/kernel.sh
. "$REPO/tools/kernel.sh"
SERIES=$(mdl_vm_kernel_series) || exit 2
TESTS=${MDL_TESTS:-$REPO/build/tools/mdl_tests}
# The suite alone takes 1.5 min under TCG; a loaded build machine can make
# that several, and a spurious timeout costs more than a late real one.
TIMEOUT=${MDL_VM_TIMEOUT:-600}

# The debug kernel's KASAN shadow and early allocations take a quarter of a
# 1 GiB guest and fragment the rest: tests of exact placement (8 MiB blocks,
# windows) need the room of a larger one.
MEM=()
[ "$SERIES" = debug ] && MEM=(--mem 2G)

passed=0
failed=0

summary() {
	echo "SUMMARY vm $SERIES $passed $failed"
	[ "$failed" = 0 ]
	exit
}

if [ ! -x "$TESTS" ]; then
	echo "run-suite: FAIL: $TESTS does not exist; build it with 'make tools'" >&2
	failed=1
	summary
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/mdl-suite.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Passed: gtest's closing "[  PASSED  ] 41 tests." (absent: none passed).
gtest_passed() { # log
	sed -n 's/^.*\[  PASSED  \] \([0-9][0-9]*\) tests\?\..*$/\1/p' "$1" | tail -n 1 | grep . || echo 0
}

# Failed: --gtest_brief=1 drops the closing "[  FAILED  ] 2 tests, listed
# below:" block, so count the "[  FAILED  ] Suite.Name (12 ms)" result
# lines, one per failed test (or per failed suite-level setup/teardown).
gtest_failed() { # log
	grep -E '^\[  FAILED  \] [^ ]+.* \([0-9]+ ms\)$' "$1" | sort -u | wc -l
}

run_gtest() { # 1|0|rules [GTEST_ARGS...]
	local run=$1 expect label flags=() envs=() log status p f
	shift
	case $run in
	1)
		expect=1
		label="with the IOMMU"
		;;
	0)
		# With a CMA area, which exact placement must leave alone
		# (kernel_change_test.cpp).
		expect=0
		label="without an IOMMU, with cma=64M"
		flags=(--no-iommu --append cma=64M)
		envs=(MDL_EXPECT_CMA=1)
		;;
	rules)
		# The platform rules (platform_rules_test.cpp): all DMA bounced,
		# a movable zone, and edu as QEMU makes it by default. The
		# platform device bounces everything here, so only those tests.
		expect=1
		label="with swiotlb=force, movablecore=256M and a default edu"
		flags=(--append "swiotlb=force movablecore=256M" --edu-default)
		envs=(MDL_EXPECT_BOUNCE=1 MDL_EXPECT_MOVABLE=1 MDL_EXPECT_EDU_BITS=28)
		set -- --gtest_filter='*PlatformRules*'
		;;
	esac
	log=$work/gtest-$run.log
	echo "=== run-suite: mdl_tests $label ==="
	"$VM" "${MEM[@]}" "${flags[@]}" --timeout "$TIMEOUT" --add "$TESTS" -- \
		env MDL_EXPECT_IOMMU="$expect" "${envs[@]}" "$(basename "$TESTS")" --gtest_brief=1 "$@" |
		tee "$log"
	status=${PIPESTATUS[0]}
	p=$(gtest_passed "$log")
	f=$(gtest_failed "$log")
	# The VM failing with all tests green means the kernel log, the module
	# unload or the boot went wrong: one failure more, so that it counts.
	if [ "$status" != 0 ] && [ "$f" = 0 ]; then
		echo "run-suite: FAIL: mdl_tests $label: the VM run failed (status $status) although no test did" >&2
		f=1
	fi
	echo "=== run-suite: mdl_tests $label: $p passed, $f failed ==="
	passed=$((passed + p))
	failed=$((failed + f))
}

# drm_info is the stock tool a user would reach for first; mdl must show up
# in it under its own driver name.
run_drm_info() {
	local log=$work/drm_info.log status
	echo "=== run-suite: drm_info lists the mdl device ==="
	"$VM" "${MEM[@]}" --timeout "$TIMEOUT" -- drm_info | tee "$log"
	status=${PIPESTATUS[0]}
	if [ "$status" = 0 ] && grep -q 'Driver: mdl\b' "$log"; then
		echo "=== run-suite: drm_info: passed ==="
		passed=$((passed + 1))
		return
	fi
	if [ "$status" != 0 ]; then
		echo "run-suite: FAIL: drm_info: the VM run failed (status $status)" >&2
	else
		echo "run-suite: FAIL: drm_info lists no device with 'Driver: mdl'" >&2
	fi
	if grep -q 'drmModeGetResources' "$log"; then
		# drm-info 2.4 (Debian 12) drops every device whose primary node
		# refuses DRM_IOCTL_MODE_GETRESOURCES, which is every driver
		# without DRIVER_MODESET.
		echo "run-suite:   drm_info skips devices without KMS: it gives up when" \
			"drmModeGetResources fails on the card node" >&2
	fi
	failed=$((failed + 1))
}

run_gtest 1 "$@"
run_gtest 0 "$@"
run_gtest rules
run_drm_info
summary
