#!/bin/bash
# Runs the drm-mdl KUnit suites in UML through the kernel's own kunit.py.
#
# Debian's linux-source-SERIES (6.1, 6.12, 7.2 or 7.3; tools/kernel-source.sh
# takes 7.x's out of Debian's archive) is unpacked once into $CACHE
# (outside the checkout); the driver, its headers and the suites under kunit/ are overlaid
# into that tree with rsync, so nothing from the kernel enters git and
# unchanged files keep their timestamps for incremental builds. The UML build
# directory is cached as well. The run fails on a failed case and also on any
# report from KASAN, lockdep, kmemleak, DEBUG_VM, page poisoning or DMA-API
# debugging, even when every case passed.
#
# Usage: tools/kunit/run-kunit.sh [--kernel SERIES] [extra kunit.py run arguments]
# SERIES defaults to $MDL_KERNEL, else 6.1. The configuration is the same
# for every series. The last line printed is
# "SUMMARY kunit <series> <passed> <failed>".
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/drm-mdl}
# shellcheck source=tools/kernel.sh
. "$TOP/tools/kernel.sh"
series=
if [ "${1-}" = --kernel ]; then
	series=${2-}
	shift 2
fi
SERIES=$(mdl_kernel_series "$series") || exit 2
BUILD=$CACHE/kunit-build-$SERIES
LOG=$CACHE/kunit-$SERIES.log

"$TOP/tools/install-deps.sh"

# shellcheck source=tools/kunit/overlay.sh
. "$TOP/tools/kunit/overlay.sh"

SRC=$("$TOP/tools/kernel-source.sh" "$SERIES")
mdl_overlay_driver "$SRC" "$TOP"

KUNITCONFIG=$CACHE/kunit-$SERIES.kunitconfig
mdl_kunitconfig_for_tree "$SRC" "$TOP/kunit/.kunitconfig" >"$KUNITCONFIG"

cd "$SRC"
set +e
python3 tools/testing/kunit/kunit.py run --arch=um \
	--build_dir="$BUILD" \
	--kunitconfig="$KUNITCONFIG" \
	--jobs="$(nproc)" --timeout=1200 \
	--kernel_args=page_poison=1 --kernel_args=kmemleak.verbose=1 \
	"$@" 2>&1 | tee "$LOG"
status=${PIPESTATUS[0]}
set -e

# kunit.py writes the raw kernel log here; sanitizer reports live in it.
RAW=$BUILD/test.log
reports=$(grep -E 'BUG:|WARNING:|KASAN|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|INFO: lockdep|DEBUG_LOCKS_WARN|unreferenced object|pagealloc: memory corruption|Bad page state|DMA-API: .*(device driver|leak|failed)|kernel BUG|Oops|Call Trace' "$RAW" || true)

# kunit.py's own verdict line: "Ran N tests: passed: P, failed: F, ...".
verdict=$(grep -E 'Ran [0-9]+ tests' "$LOG" | tail -n 1 || true)
passed=$(echo "$verdict" | sed -nE 's/.*passed: ([0-9]+).*/\1/p')
failed=$(echo "$verdict" | sed -nE 's/.*failed: ([0-9]+).*/\1/p')
# A crashed case ends in "crashed: N" and no "failed:" at all.
crashed=$(echo "$verdict" | sed -nE 's/.*crashed: ([0-9]+).*/\1/p')
failed=$(( ${failed:-0} + ${crashed:-0} ))
passed=${passed:-0}
[ "$status" -eq 0 ] || [ "$failed" -gt 0 ] || failed=1

if [ -n "$reports" ]; then
	echo "run-kunit: the kernel log has sanitizer/debug reports:" >&2
	echo "$reports" | head -n 40 >&2
	failed=$((failed + 1))
	status=1
fi
if [ "$passed" -eq 0 ]; then
	# A failure in the summary too: tools/check.sh counts that line, not
	# the exit status (a kunitconfig option the series lacks ends here).
	echo "run-kunit: no test case ran" >&2
	[ "$failed" -gt 0 ] || failed=1
	status=1
fi
echo "SUMMARY kunit $SERIES $passed $failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
