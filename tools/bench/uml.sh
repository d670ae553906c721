#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The UML half of `make bench`: CPU cost, natively. Builds a UML kernel with
# drm-mdl, TTM and the benchmark suite (tools/bench/kernel) built in, from
# tools/bench/bench.kunitconfig, without any of the debugging options of
# `make kunit`, boots it with enough memory for the largest size and prints
# the benchmark's result lines on stdout.
#
# The kernel tree is the one `make kunit` uses (tools/kernel-source.sh); the
# driver is overlaid into it exactly as tools/kunit/run-kunit.sh does, and
# the benchmark next to it as drivers/gpu/drm/mdl_bench/. The build
# directory is separate ($CACHE/bench-uml-build-<series>), so the two never
# rebuild each other's objects. MDL_KERNEL picks the kernel (6.1, 6.12, 7.2
# or 7.3; tools/kernel-source.sh gets 7.x's source out of Debian's archive).
#
# kunit.py builds the kernel, but this script boots it itself: kunit.py's
# UML runner appends mem=1G after the caller's arguments, and the last mem=
# wins, which leaves no room for 1 GiB allocations.
#
# Usage: tools/bench/uml.sh [--sizes LIST] [--reps-min N] [--reps-max N]
#                           [--no-fragment] [--mem SIZE] [--pool-mb N]
#                           [--only CONTENDERS] [--perf FILE] [--log FILE]
#
# --only measures only the named contenders (comma-separated, as the
# report names them). --perf records the run with the host's perf into
# FILE: UML is a host process, so `perf report -i FILE` shows where the
# kernel's CPU time goes, by kernel symbol.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/drm-mdl}
# shellcheck source=tools/kernel.sh
. "$TOP/tools/kernel.sh"
SERIES=$(mdl_kernel_series) || exit 2
BUILD=$CACHE/bench-uml-build-$SERIES

sizes=4K,16K,64K,256K,1M,2M,64M,256M,1G
reps_min=5
reps_max=51
fragment=1
mem=5G
pool_mb=
only=
perf_data=
log=$TOP/build/bench/uml.log
timeout_sec=1800

while [ $# -gt 0 ]; do
	case $1 in
	--sizes) sizes=$2; shift ;;
	--reps-min) reps_min=$2; shift ;;
	--reps-max) reps_max=$2; shift ;;
	--no-fragment) fragment=0 ;;
	--mem) mem=$2; shift ;;
	--pool-mb) pool_mb=$2; shift ;;
	--only) only=$2; shift ;;
	--perf) perf_data=$2; shift ;;
	--log) log=$2; shift ;;
	--timeout) timeout_sec=$2; shift ;;
	*) echo "uml.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
mkdir -p "$(dirname "$log")"

"$TOP/tools/install-deps.sh" >&2

# shellcheck source=tools/kunit/overlay.sh
. "$TOP/tools/kunit/overlay.sh"

# The driver exactly as `make kunit` overlays it, then the benchmark in a
# directory of its own.
overlay() {
	local drm=$SRC/drivers/gpu/drm

	mdl_overlay_driver "$SRC" "$TOP"
	mkdir -p "$drm/mdl_bench"
	rsync -rlpc --delete --include='*.c' --include='*.h' --include='Kconfig' \
		--include='Makefile' --exclude='*' \
		"$TOP/tools/bench/kernel/" "$drm/mdl_bench/"
	grep -q 'drm/mdl_bench/Kconfig' "$drm/Kconfig" ||
		sed -i 's|^source "drivers/gpu/drm/mdl/Kconfig"|&\nsource "drivers/gpu/drm/mdl_bench/Kconfig"|' "$drm/Kconfig"
	grep -q 'CONFIG_DRM_MDL_BENCH' "$drm/Makefile" ||
		echo 'obj-$(CONFIG_DRM_MDL_BENCH) += mdl_bench/' >> "$drm/Makefile"
	grep -q 'drm/mdl_bench/Kconfig' "$drm/Kconfig" || {
		echo "uml.sh: could not hook the Kconfig" >&2
		exit 1
	}
}

SRC=$("$TOP/tools/kernel-source.sh" "$SERIES")
overlay

echo "uml.sh: building the benchmark UML kernel in $BUILD" >&2
build_log=$(mktemp)
kunitconfig=$(mktemp)
trap 'rm -f "$build_log" "$kunitconfig"' EXIT
mdl_kunitconfig_for_tree "$SRC" "$TOP/tools/bench/bench.kunitconfig" >"$kunitconfig"
if ! (cd "$SRC" && python3 tools/testing/kunit/kunit.py build --arch=um \
	--build_dir="$BUILD" --kunitconfig="$kunitconfig" \
	--jobs="$(nproc)") >"$build_log" 2>&1; then
	tail -n 60 "$build_log" >&2
	echo "uml.sh: the UML build failed" >&2
	exit 1
fi
# Warnings in the benchmark's own files fail the run.
if grep -E 'mdl_bench/.*(warning|error):' "$build_log" >&2; then
	echo "uml.sh: the benchmark does not build cleanly" >&2
	exit 1
fi

# The warm pool must be allowed to hold the largest allocation; the driver
# caps pool_max_mb itself (a quarter of RAM), and the INFO line reports
# the limit that was in force.
if [ -z "$pool_mb" ]; then
	pool_mb=$(python3 "$TOP/tools/bench/report.py" --pool-mb "$sizes")
fi

args=(
	"mem=$mem" console=tty kunit_shutdown=halt kunit.filter_glob=mdl_bench
	"mdl_bench.sizes=$sizes" "mdl_bench.reps_min=$reps_min"
	"mdl_bench.reps_max=$reps_max" "mdl_bench.fragment=$fragment"
	"mdl.pool_max_mb=$pool_mb"
)
[ -n "$only" ] && args+=("mdl_bench.only=$only")
runner=()
if [ -n "$perf_data" ]; then
	command -v perf >/dev/null || {
		echo "uml.sh: --perf needs perf (Debian's linux-perf)" >&2
		exit 2
	}
	runner=(perf record -q -F 2999 -o "$perf_data" --)
fi
echo "uml.sh: running ${args[*]}" >&2
set +e
"${runner[@]}" timeout -k 10 "$timeout_sec" "$BUILD/linux" "${args[@]}" \
	</dev/null >"$log" 2>&1
status=$?
set -e
if [ "$status" -ne 0 ]; then
	echo "uml.sh: the UML kernel exited with $status; log in $log" >&2
	tail -n 30 "$log" >&2
	exit 1
fi
# KUnit's verdict for the suite, then the benchmark's lines.
if ! grep -qE '^\s*ok [0-9]+ mdl_bench' "$log"; then
	echo "uml.sh: the mdl_bench suite did not pass; log in $log" >&2
	grep -E 'not ok|mdl_bench|BUG|WARNING|Call Trace' "$log" | tail -n 30 >&2
	exit 1
fi
grep -oE 'mdl_bench: (RESULT|PHASES|SKIP|INFO) .*' "$log" | tr -d '\r'
