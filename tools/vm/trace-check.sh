#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The tracepoints, seen through tracefs in the test VM: an allocation and a
# free through mdlctl must show up as mdl:mdl_alloc (with its request, its
# result and its duration), mdl:mdl_map (with the DMA segment count) and
# mdl:mdl_free. Part of `make check`; the last line is
# `SUMMARY trace <kernel> <passed> <failed>`; MDL_KERNEL picks the kernel.

set -uo pipefail

REPO=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
MDLCTL=${MDLCTL:-$REPO/build/tools/mdlctl}
# shellcheck source=tools/kernel.sh
. "$REPO/tools/kernel.sh"
SERIES=$(mdl_vm_kernel_series) || exit 2

if [ ! -x "$MDLCTL" ]; then
	echo "trace-check: $MDLCTL does not exist; build it with 'make tools'" >&2
	echo "SUMMARY trace $SERIES 0 1"
	exit 1
fi

# shellcheck disable=SC2016 # expanded in the guest
script='
t=/sys/kernel/tracing
mount -t tracefs nodev $t 2>/dev/null
echo 1 > $t/events/mdl/enable || exit 1
mdlctl alloc 1M --cache wc >/dev/null || exit 1
echo 0 > $t/events/mdl/enable
echo "--- trace ---"
grep -E " mdl_(alloc|map|free):" $t/trace
echo "--- end ---"
'

log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$REPO/tools/vm/mdl-vm" ${MDL_MODULE:+--module $MDL_MODULE} --add "$MDLCTL" -- sh -c "$script" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

passed=0
failed=0
check() { # description, extended regexp over the trace lines
	if sed -n '/^--- trace ---$/,/^--- end ---$/p' "$log" | grep -Eq "$2"; then
		echo "trace-check: ok: $1"
		passed=$((passed + 1))
	else
		echo "trace-check: FAIL: $1 (no line matching /$2/)" >&2
		failed=$((failed + 1))
	fi
}
check "mdl_alloc records request and result" \
	'mdl_alloc: .*total=1048576 cache=2 .*error=0 bytes=1048576 chunks=[0-9]+ dma_segments=[1-9][0-9]* ns=[1-9]'
check "mdl_map records the DMA segments" 'mdl_map: dev=[^ ]+ pages=256 dma_segments=[1-9]'
check "mdl_free records the release" 'mdl_free: bytes=1048576 '
[ "$status" -eq 0 ] || { echo "trace-check: the VM run failed ($status)" >&2; failed=$((failed + 1)); }
echo "SUMMARY trace $SERIES $passed $failed"
[ "$failed" -eq 0 ]
