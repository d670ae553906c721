#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The VM half of `make bench`: mapping cost and DMA segment counts through
# the emulated IOMMU, and the user-space benchmarks. Builds mdl.ko and
# mdl_bench.ko (out of tree, against the same headers, with mdl.ko's
# Module.symvers), takes ttm.ko from the Debian kernel's modules, boots the
# test VM (tools/vm/mdl-vm) once and runs, in the guest:
#
#   insmod ttm.ko; insmod mdl_bench.ko ...   (results in the kernel log)
#   mdl_bench_user --benchmark_format=json   (Google Benchmark)
#
# Under TCG every instruction is emulated: timings from here only count as
# ratios within the run.
#
# Writes $OUT/vm.txt (the benchmark's kernel lines) and $OUT/vm-user.json.
#
# Usage: tools/bench/vm.sh [--sizes LIST] [--reps-min N] [--reps-max N]
#            [--no-fragment] [--mem SIZE] [--pool-mb N] [--user-reps N]
#            [--user-min-time SEC] [--no-user] [--out DIR] [--timeout SEC]
#            [--only CONTENDERS]
#
# --only measures only the named contenders (comma-separated, as the
# report names them), for a quick look at a few rows.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$TOP/build/bench

sizes=4K,16K,64K,256K,1M,2M,64M,256M,1G
reps_min=3
reps_max=51
fragment=1
mem=5G
pool_mb=
user=1
user_reps=5
user_min_time=0.2
timeout_sec=3600
only=

while [ $# -gt 0 ]; do
	case $1 in
	--sizes) sizes=$2; shift ;;
	--reps-min) reps_min=$2; shift ;;
	--reps-max) reps_max=$2; shift ;;
	--no-fragment) fragment=0 ;;
	--mem) mem=$2; shift ;;
	--pool-mb) pool_mb=$2; shift ;;
	--user-reps) user_reps=$2; shift ;;
	--user-min-time) user_min_time=$2; shift ;;
	--no-user) user=0 ;;
	--out) OUT=$2; shift ;;
	--timeout) timeout_sec=$2; shift ;;
	--only) only=$2; shift ;;
	*) echo "vm.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
mkdir -p "$OUT/vm"

cd "$TOP"
# shellcheck source=tools/kernel.sh
. "$TOP/tools/kernel.sh"
SERIES=$(mdl_kernel_series) || exit 2
ko=$(tools/build-module.sh --kernel "$SERIES" | tail -n 1) || exit 1
kver=$(modinfo -F vermagic "$ko" | awk '{ print $1 }')
kdir=$(mdl_kernel_release_kdir "$kver")
[ -d "$kdir" ] || { echo "vm.sh: no headers for $kver at $kdir" >&2; exit 1; }

# mdl_bench.ko, built outside the checkout's source directories.
kmod=$OUT/kmod
mkdir -p "$kmod"
rsync -rlpc --delete --exclude='mdl_compat_probed.h*' --include='*.c' --include='*.h' --include='Makefile' \
	--exclude='*' "$TOP/tools/bench/kernel/" "$kmod/src/"
build_log=$OUT/vm/kmod-build.log
# MDL_TOP is mdl.ko's build copy of the sources: its headers, and the
# interface probes' mdl_compat_probed.h that mdl_compat.h includes.
if ! make -C "$kdir" M="$kmod/src" MDL_TOP="$TOP/build/kmod/$kver" \
	KBUILD_EXTRA_SYMBOLS="$TOP/build/kmod/$kver/Module.symvers" W=1 modules >"$build_log" 2>&1; then
	cat "$build_log" >&2
	echo "vm.sh: mdl_bench.ko does not build" >&2
	exit 1
fi
if grep -E '(warning|error):|WARNING:' "$build_log" >&2; then
	echo "vm.sh: mdl_bench.ko does not build cleanly" >&2
	exit 1
fi
cp "$kmod/src/mdl_bench.ko" "$OUT/vm/mdl_bench.ko"

# TTM is a module in Debian's kernel; the guest's busybox insmod wants it
# uncompressed. The 7.x kernels are unpacked, not installed, and have no
# modules.dep for modinfo to look it up in.
modroot=$(mdl_kernel_modroot "$kver")
if [ -f "$modroot/lib/modules/$kver/modules.dep" ]; then
	ttm_src=$(modinfo -b "$modroot" -k "$kver" -n ttm)
else
	ttm_src=$(find "$modroot/lib/modules/$kver/kernel/" -name 'ttm.ko*' | head -n 1)
	[ -n "$ttm_src" ] || { echo "vm.sh: no ttm.ko among the modules of $kver" >&2; exit 1; }
fi
case $ttm_src in
*.xz) xz -dc "$ttm_src" >"$OUT/vm/ttm.ko" ;;
*.zst) zstd -qdc "$ttm_src" >"$OUT/vm/ttm.ko" ;;
*.gz) gzip -dc "$ttm_src" >"$OUT/vm/ttm.ko" ;;
*) cp "$ttm_src" "$OUT/vm/ttm.ko" ;;
esac

adds=(--add "$OUT/vm/mdl_bench.ko" --add "$OUT/vm/ttm.ko")
if [ "$user" = 1 ]; then
	cmake -S tools -B build/tools -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build build/tools --target mdl_bench_user -j"$(nproc)" >&2
	adds+=(--add "$TOP/build/tools/mdl_bench_user")
fi

# The warm pool may hold the largest size (the driver still caps it).
if [ -z "$pool_mb" ]; then
	pool_mb=$(python3 "$TOP/tools/bench/report.py" --pool-mb "$sizes")
fi

# The guest runs busybox sh. Markers delimit what the host parses.
guest=$(cat <<EOF
grep -q '^ttm ' /proc/modules || insmod /opt/mdl/ttm.ko || exit 1
insmod /opt/mdl/mdl_bench.ko sizes=$sizes reps_min=$reps_min reps_max=$reps_max fragment=$fragment${only:+ only=$only}
st=\$?
echo BENCH-KERNEL-BEGIN
dmesg | grep -oE 'mdl_bench: (RESULT|PHASES|SKIP|INFO|DONE) .*'
echo BENCH-KERNEL-END
rmmod mdl_bench 2>/dev/null
if [ "$user" = 1 ] && [ "\$st" = 0 ]; then
	mdl_bench_user --benchmark_format=json --benchmark_repetitions=$user_reps \
		--benchmark_min_time=$user_min_time >/tmp/user.json || st=1
	echo BENCH-USER-BEGIN
	cat /tmp/user.json
	echo BENCH-USER-END
fi
exit \$st
EOF
)

raw=$OUT/vm/console.log
echo "vm.sh: booting the test VM (mem $mem, sizes $sizes)" >&2
set +e
tools/vm/mdl-vm --mem "$mem" --timeout "$timeout_sec" --param "pool_max_mb=$pool_mb" \
	"${adds[@]}" -- sh -c "$guest" >"$raw" 2>"$OUT/vm/mdl-vm.err"
status=$?
set -e
if [ "$status" -ne 0 ]; then
	cat "$OUT/vm/mdl-vm.err" >&2
	tail -n 40 "$raw" >&2
	echo "vm.sh: the VM run failed ($status); console in $raw" >&2
	exit 1
fi
tr -d '\r' <"$raw" | sed -n '/^BENCH-KERNEL-BEGIN/,/^BENCH-KERNEL-END/p' |
	grep -oE 'mdl_bench: (RESULT|PHASES|SKIP|INFO|DONE) .*' >"$OUT/vm.txt" || true
if [ "$user" = 1 ]; then
	tr -d '\r' <"$raw" | sed -n '/^BENCH-USER-BEGIN/,/^BENCH-USER-END/p' |
		sed '1d;$d' >"$OUT/vm-user.json"
else
	rm -f "$OUT/vm-user.json"
fi
grep -q 'DONE status=0' "$OUT/vm.txt" || {
	echo "vm.sh: mdl_bench.ko did not finish; console in $raw" >&2
	exit 1
}
