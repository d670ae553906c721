#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# `make bench` and `make bench-smoke`.
#
#   run-bench.sh          per kernel, UML (CPU cost, natively) then the VM
#                         (IOMMU mapping cost, DMA segments, user space),
#                         then its report: build/bench/<kernel>/results.json,
#                         results.txt, plot.svg/png; at the end
#                         build/bench/summary.txt, the targets of every
#                         kernel side by side
#   run-bench.sh --smoke  UML only, small sizes, a few repetitions: checks
#                         that every contender runs and gives sane numbers;
#                         writes build/bench/smoke-<kernel>/ and ends with
#                         "SUMMARY bench <kernel> <passed> <failed>"
#
# The full run measures 6.1, 6.12 and 7.3 (BENCH_KERNELS), one after the
# other: the targets hold on each, and each kernel's ratios come from its
# own run. MDL_KERNEL picks one kernel instead (6.1, 6.12, 7.2 or 7.3);
# the smoke run takes MDL_KERNEL, 6.1 by default.
#
# Environment: BENCH_KERNELS, BENCH_SIZES, BENCH_VM_SIZES, BENCH_UML_MEM,
# BENCH_VM_MEM, BENCH_UML_REPS_MIN, BENCH_NO_VM=1 (UML only),
# BENCH_NO_FRAGMENT=1.
set -uo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$TOP/build/bench
cd "$TOP"

smoke=0
[ "${1:-}" = --smoke ] && smoke=1

"$TOP/tools/install-deps.sh" || exit 1
# shellcheck source=tools/kernel.sh
. "$TOP/tools/kernel.sh"
if [ "$smoke" = 1 ] || [ -n "${MDL_KERNEL:-}" ]; then
	kernels=$(mdl_kernel_series) || exit 2
else
	kernels=${BENCH_KERNELS:-6.1 6.12 7.3}
	for k in $kernels; do
		mdl_kernel_series "$k" >/dev/null || exit 2
	done
fi

elapsed() { echo $(( $(date +%s) - $1 )); }

frag=()
[ "${BENCH_NO_FRAGMENT:-0}" = 1 ] && frag=(--no-fragment)

if [ "$smoke" = 1 ]; then
	# Validated once and exported, so uml.sh and report.py agree.
	export MDL_KERNEL=$kernels
	out=$OUT/smoke-$MDL_KERNEL
	mkdir -p "$out"
	rm -f "$out/uml.txt"
	start=$(date +%s)
	tools/bench/uml.sh --sizes "${BENCH_SIZES:-4K,16K,64K,256K,1M,2M}" --reps-min 3 \
		--reps-max 5 --mem "${BENCH_UML_MEM:-1G}" "${frag[@]}" \
		--log "$out/uml.log" --timeout 600 >"$out/uml.txt"
	status=$?
	if [ "$status" -ne 0 ]; then
		echo "bench-smoke: the UML benchmark failed" >&2
		echo "SUMMARY bench $MDL_KERNEL 0 1"
		exit 1
	fi
	tools/bench/report.py --smoke --uml "$out/uml.txt" --out "$out" \
		--timing "uml=$(elapsed "$start")"
	exit $?
fi

# One kernel's UML and VM runs and report, into $1.
bench_kernel() {
	local out=$1 failed=0 start timings=()

	mkdir -p "$out"
	rm -f "$out/uml.txt" "$out/vm.txt" "$out/vm-user.json"
	start=$(date +%s)
	echo "==> bench $MDL_KERNEL: UML (CPU cost)"
	# Natively a repetition of 1 GiB takes tens of milliseconds: 15 of
	# them keep the medians of the large sizes steady on a shared machine.
	if tools/bench/uml.sh --sizes "${BENCH_SIZES:-4K,16K,64K,256K,1M,2M,64M,256M,1G}" \
		--reps-min "${BENCH_UML_REPS_MIN:-15}" \
		--mem "${BENCH_UML_MEM:-5G}" "${frag[@]}" --log "$out/uml.log" >"$out/uml.txt"; then
		echo "bench $MDL_KERNEL: UML took $(elapsed "$start") s"
	else
		echo "bench $MDL_KERNEL: the UML run failed" >&2
		failed=1
	fi
	timings+=(--timing "uml=$(elapsed "$start")")

	if [ "${BENCH_NO_VM:-0}" != 1 ]; then
		start=$(date +%s)
		echo "==> bench $MDL_KERNEL: VM (IOMMU mapping cost, DMA segments, user space)"
		if tools/bench/vm.sh --sizes "${BENCH_VM_SIZES:-${BENCH_SIZES:-4K,16K,64K,256K,1M,2M,64M,256M,1G}}" \
			--mem "${BENCH_VM_MEM:-5G}" "${frag[@]}" --out "$out"; then
			echo "bench $MDL_KERNEL: VM took $(elapsed "$start") s"
		else
			echo "bench $MDL_KERNEL: the VM run failed" >&2
			failed=1
		fi
		timings+=(--timing "vm=$(elapsed "$start")")
	fi

	echo "==> bench $MDL_KERNEL: report"
	tools/bench/report.py --uml "$out/uml.txt" --vm "$out/vm.txt" \
		--user "$out/vm-user.json" --out "$out" "${timings[@]}" || failed=1
	return "$failed"
}

mkdir -p "$OUT"
failed=0
reports=()
for MDL_KERNEL in $kernels; do
	export MDL_KERNEL
	bench_kernel "$OUT/$MDL_KERNEL" || failed=1
	reports+=("$OUT/$MDL_KERNEL/results.json")
done
tools/bench/report.py --summary "${reports[@]}" --out "$OUT" || failed=1
exit "$failed"
