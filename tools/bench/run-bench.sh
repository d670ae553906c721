#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# `make bench` and `make bench-smoke`.
#
#   run-bench.sh          UML (CPU cost, natively) then the VM (IOMMU mapping
#                         cost, DMA segments, user space), then the report:
#                         build/bench/results.json, results.txt, plot.svg/png
#   run-bench.sh --smoke  UML only, small sizes, a few repetitions: checks
#                         that every contender runs and gives sane numbers;
#                         writes build/bench/smoke-<kernel>/ and ends with
#                         "SUMMARY bench <kernel> <passed> <failed>"
#
# MDL_KERNEL picks the test kernel (6.1, the default, 6.12, 7.2 or 7.3).
#
# Environment: BENCH_SIZES, BENCH_VM_SIZES, BENCH_UML_MEM, BENCH_VM_MEM,
# BENCH_UML_REPS_MIN, BENCH_NO_VM=1 (UML only), BENCH_NO_FRAGMENT=1.
set -uo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$TOP/build/bench
cd "$TOP"

smoke=0
[ "${1:-}" = --smoke ] && smoke=1

"$TOP/tools/install-deps.sh" || exit 1
# shellcheck source=tools/kernel.sh
. "$TOP/tools/kernel.sh"
# Validated once and exported, so uml.sh, vm.sh and report.py agree.
MDL_KERNEL=$(mdl_kernel_series) || exit 2
export MDL_KERNEL

elapsed() { echo $(( $(date +%s) - $1 )); }

frag=()
[ "${BENCH_NO_FRAGMENT:-0}" = 1 ] && frag=(--no-fragment)

if [ "$smoke" = 1 ]; then
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

mkdir -p "$OUT"
rm -f "$OUT/uml.txt" "$OUT/vm.txt" "$OUT/vm-user.json"
failed=0
timings=()

start=$(date +%s)
echo "==> bench: UML (CPU cost)"
# Natively a repetition of 1 GiB takes tens of milliseconds: 15 of them
# keep the medians of the large sizes steady on a shared machine.
if tools/bench/uml.sh --sizes "${BENCH_SIZES:-4K,16K,64K,256K,1M,2M,64M,256M,1G}" \
	--reps-min "${BENCH_UML_REPS_MIN:-15}" \
	--mem "${BENCH_UML_MEM:-5G}" "${frag[@]}" --log "$OUT/uml.log" >"$OUT/uml.txt"; then
	echo "bench: UML took $(elapsed "$start") s"
else
	echo "bench: the UML run failed" >&2
	failed=1
fi
timings+=(--timing "uml=$(elapsed "$start")")

if [ "${BENCH_NO_VM:-0}" != 1 ]; then
	start=$(date +%s)
	echo "==> bench: VM (IOMMU mapping cost, DMA segments, user space)"
	if tools/bench/vm.sh --sizes "${BENCH_VM_SIZES:-${BENCH_SIZES:-4K,16K,64K,256K,1M,2M,64M,256M,1G}}" \
		--mem "${BENCH_VM_MEM:-5G}" "${frag[@]}" --out "$OUT"; then
		echo "bench: VM took $(elapsed "$start") s"
	else
		echo "bench: the VM run failed" >&2
		failed=1
	fi
	timings+=(--timing "vm=$(elapsed "$start")")
fi

echo "==> bench: report"
tools/bench/report.py --uml "$OUT/uml.txt" --vm "$OUT/vm.txt" \
	--user "$OUT/vm-user.json" --out "$OUT" "${timings[@]}" || failed=1
exit "$failed"
