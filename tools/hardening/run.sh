#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The hardening suite of issue 5 in one boot of the test VM: privileges,
# the ioctl fuzzer, a window walk, the per-user cap, a memory cgroup, load
# with and without a memory hog, SIGKILL in the middle of an allocation,
# close() under running ioctls, module unload, and PCI hot-unplug with
# rescan; then, in a 1 GiB and a 5 GiB guest of their own with the default
# module parameters, clients that allocate until ENOMEM while an ordinary
# process must still get a quarter of RAM (starve-1G, starve-5G). See
# tools/hardening/README.md.
#
#   tools/hardening/run.sh
#
# Needs mdl.ko (make module) and build/tools/{mdl_fuzz,mdl_harden,mdl_tests}
# (make tools). Environment: FUZZ_IOCTLS (default 1000000), FUZZ_SEED
# (default: random, printed), LOAD_THREADS (8), LOAD_CYCLES (10000),
# CLOSE_ROUNDS (200), FAULT_IOCTLS (100000), FAULT_PROBABILITY (percent, 5),
# MDL_HARDENING_TIMEOUT (seconds, default 3600; the debug kernel's count 4 times),
# MDL_TOOLS_BUILD (default build/tools).
#
# Prints each step's output, then the summary lines of all steps, and as
# its last line "SUMMARY hardening <kernel> <passed> <failed>", which
# tools/check.sh adds up. MDL_KERNEL picks the kernel (default 6.1; debug
# for the sanitizing kernel, which adds the faultinject step). Exit status non-zero on any failure.

set -uo pipefail

REPO=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
VM=$REPO/tools/vm/mdl-vm
# shellcheck source=tools/kernel.sh
. "$REPO/tools/kernel.sh"
SERIES=$(mdl_vm_kernel_series) || exit 2
BUILD=${MDL_TOOLS_BUILD:-$REPO/build/tools}
GUEST=$REPO/tools/hardening/mdl-hardening-guest.sh
TIMEOUT=${MDL_HARDENING_TIMEOUT:-3600}
# The steps the guest runs; a missing verdict is a failure. The debug
# kernel adds fault injection, and leaves out the starve boots: they
# measure the default limits against RAM, which KASAN's shadow and
# kmemleak's object pool take a share of, and push a 5 GiB guest to its
# edge, which costs the better part of an hour under KASAN and TCG.
STEPS=(privileges-gtest privileges fuzz window-walk usercap cgroup load load-hog
	interrupt close-race unload unplug)
STARVE_MEMS=(1G 5G)
FUZZ_TOTAL=${FUZZ_IOCTLS:-1000000}
FUZZ_MAIN=$FUZZ_TOTAL
FUZZ_SIDE=0
SMP=()
if [ "$SERIES" = debug ]; then
	STEPS+=(faultinject)
	STARVE_MEMS=()
	# The debug kernel fuzzes at about a tenth of the stock kernels' rate
	# (150-300 ioctls/s under TCG): three quarters of the ioctls go to a
	# second guest with one vCPU, which runs next to the main boot. The
	# main boot keeps two vCPUs for its race steps, and fewer load cycles.
	FUZZ_SIDE=$((FUZZ_TOTAL * 3 / 4))
	FUZZ_MAIN=$((FUZZ_TOTAL - FUZZ_SIDE))
	STEPS+=(fuzz-2)
	SMP=(--smp 2)
	: "${LOAD_CYCLES:=1000}" "${CLOSE_ROUNDS:=100}"
fi
for mem in "${STARVE_MEMS[@]}"; do
	STEPS+=("starve-$mem")
done

passed=0
failed=0
summary() {
	echo "SUMMARY hardening $SERIES $passed $failed"
	[ "$failed" = 0 ]
	exit
}

for bin in mdl_fuzz mdl_harden mdl_tests; do
	if [ ! -x "$BUILD/$bin" ]; then
		echo "hardening: FAIL: $BUILD/$bin does not exist; build it with 'make tools'" >&2
		failed=1
		summary
	fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/mdl-hardening.XXXXXX")
trap 'rm -rf "$work"' EXIT
log=$work/guest.log

started=$(date +%s)
side_pid=
if [ "$FUZZ_SIDE" -gt 0 ]; then
	side_seed=${FUZZ_SEED:+$((FUZZ_SEED + 1))}
	"$VM" --mem 2G --timeout "$TIMEOUT" --add "$BUILD/mdl_fuzz" \
		-- mdl_fuzz --ioctls "$FUZZ_SIDE" --name fuzz-2 ${side_seed:+--seed "$side_seed"} \
		>"$work/side.log" 2>&1 &
	side_pid=$!
fi
# 2 GiB: room for a 1 GiB allocation to interrupt and for a memory hog.
"$VM" "${SMP[@]}" --mem 2G --timeout "$TIMEOUT" \
	--add "$BUILD/mdl_fuzz" --add "$BUILD/mdl_harden" --add "$BUILD/mdl_tests" --add "$GUEST" \
	-- env FUZZ_IOCTLS="$FUZZ_MAIN" FUZZ_SEED="${FUZZ_SEED:-}" \
	LOAD_THREADS="${LOAD_THREADS:-8}" LOAD_CYCLES="${LOAD_CYCLES:-10000}" \
	CLOSE_ROUNDS="${CLOSE_ROUNDS:-200}" FAULT_IOCTLS="${FAULT_IOCTLS:-100000}" \
	FAULT_PROBABILITY="${FAULT_PROBABILITY:-5}" \
	"$(basename "$GUEST")" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
if [ -n "$side_pid" ]; then
	wait "$side_pid"
	side_status=$?
	echo "=== hardening: fuzz-2 (a guest of its own) ==="
	tee -a "$log" <"$work/side.log"
	[ "$side_status" = 0 ] || status=$side_status
fi

# The default limits are fractions of RAM: try a small and a larger machine,
# each in a boot of its own, since the step means to push the guest to the
# edge of its memory. mdl-vm fails the boot on any OOM-killer line.
for mem in "${STARVE_MEMS[@]}"; do
	"$VM" --mem "$mem" --timeout "$TIMEOUT" --add "$BUILD/mdl_harden" \
		-- mdl_harden starve --name "starve-$mem" 2>&1 | tee -a "$log"
	starve_status=${PIPESTATUS[0]}
	[ "$starve_status" = 0 ] || status=$starve_status
done
elapsed=$(($(date +%s) - started))

for step in "${STEPS[@]}"; do
	if grep -q "^PASS $step: " "$log"; then
		passed=$((passed + 1))
	elif grep -q "^FAIL $step: " "$log"; then
		failed=$((failed + 1))
	else
		echo "hardening: FAIL: $step gave no verdict" >&2
		failed=$((failed + 1))
	fi
done
# The kernel log is judged by mdl-vm over the whole boot (and the module
# unload at its end): a problem there fails the suite even when every step
# passed.
if [ "$status" != 0 ] && [ "$failed" = 0 ]; then
	echo "hardening: FAIL: the VM run failed (status $status) although every step passed" >&2
	failed=$((failed + 1))
fi

echo "=== hardening: summary (${elapsed} s) ==="
grep -E "^($(IFS='|'; echo "${STEPS[*]}")): " "$log"
grep -E '^(PASS|FAIL) ' "$log"
summary
