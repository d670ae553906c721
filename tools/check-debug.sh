#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# `make check-debug` (issue 13): the VM suites under the sanitizing debug
# kernel that tools/vm/debug-kernel.sh builds from linux-source-7.3 (KASAN,
# KFENCE, lockdep, kmemleak, DMA-API debug, DEBUG_PAGEALLOC, page
# poisoning, DEBUG_SG, UBSAN bounds, fault injection; strict IOMMU):
#
#   kernel     the debug kernel builds (cached; cold 13 min on 2 cores)
#   module     mdl.ko builds against it at W=1
#   vm         the GoogleTest suite, with and without the IOMMU, and drm_info
#   trace      the tracepoints through tracefs
#   hardening  the hardening suite (fuzzer, load, interrupt, close-race,
#              unload, unplug, cgroup, usercap, privileges, window-walk) plus
#              fault injection (fail_page_alloc and failslab)
#
# Every guest ends with a kmemleak scan, and mdl-vm fails a boot on any
# KASAN, KFENCE, lockdep, kmemleak, DMA-API debug or UBSAN report, WARN or
# BUG. The last line is "N passed, N failed"; the exit status is non-zero
# on any failure.
#
# It takes too long for `make check` (see testing.rst), so it runs before
# every stop, and a green run is recorded in
# Documentation/gpu/drm-mdl/testing.rst:
#
#   tools/check-debug.sh                run it; with --record, write the
#                                       record when every step passed
#   tools/check-debug.sh --verify-record
#                                       the record is green and covers the
#                                       driver sources as they are now (the
#                                       debug-record step of `make check`)
set -uo pipefail

TOP=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cd "$TOP"
DOC=Documentation/gpu/drm-mdl/testing.rst
BEGIN_MARK='.. check-debug-record-begin'
END_MARK='.. check-debug-record-end'

# What the record covers: the driver and its headers, by content, so that
# neither history nor file times matter (CI clones have neither), in
# byte order whatever the caller's locale.
sources_hash() {
	git -C "$TOP" ls-files -z -- Kbuild drivers include |
		LC_ALL=C sort -z | (cd "$TOP" && xargs -0 sha256sum) |
		sha256sum | cut -c1-16
}

record_field() { # name
	sed -n "/^$BEGIN_MARK/,/^$END_MARK/p" "$TOP/$DOC" |
		sed -n "s/^- $1: \`\`\\([^\`]*\\)\`\`.*/\\1/p" | head -n 1
}

verify_record() {
	local want have result
	want=$(record_field "driver sources")
	have=$(sources_hash)
	result=$(sed -n "/^$BEGIN_MARK/,/^$END_MARK/p" "$TOP/$DOC" |
		sed -n -E 's/^    ([0-9]+ passed, [0-9]+ failed)$/\1/p' | tail -n 1)
	if [ -z "$want" ]; then
		echo "check-debug: FAIL: $DOC has no record of a make check-debug run" >&2
	elif [ "$want" != "$have" ]; then
		echo "check-debug: FAIL: the record in $DOC is older than the driver sources" >&2
		echo "check-debug:   it covers sources $want (commit $(record_field commit)), the tree has $have" >&2
		echo "check-debug:   run 'make check-debug RECORD=1' and commit $DOC" >&2
	elif ! echo "$result" | grep -qE '^[1-9][0-9]* passed, 0 failed$'; then
		echo "check-debug: FAIL: the recorded run was not green: '$result'" >&2
	else
		echo "check-debug: the record covers these sources ($have): $result at $(record_field commit)"
		echo "SUMMARY debug-record 1 0"
		return 0
	fi
	echo "SUMMARY debug-record 0 1"
	return 1
}

record=0
case ${1:-} in
--verify-record) verify_record; exit ;;
--sources-hash) sources_hash; exit ;;
--record) record=1 ;;
'') ;;
*) echo "usage: tools/check-debug.sh [--record | --verify-record | --sources-hash]" >&2; exit 2 ;;
esac

export MDL_KERNEL=debug
# What the run tests is what is checked out when it starts.
run_hash=$(sources_hash)
run_commit=$(git -C "$TOP" rev-parse --short=12 HEAD)
run_dirty=""
git -C "$TOP" diff --quiet HEAD -- Kbuild drivers include || run_dirty=" plus uncommitted driver changes"
passed=0
failed=0
summaries=()
log=$(mktemp)
trap 'rm -f "$log"' EXIT
started=$(date +%s)

count() { # SUMMARY line
	local p f
	read -r p f < <(echo "$1" | awk '{ print $(NF - 1), $NF }')
	case "$p$f" in
	'' | *[!0-9]*) p=0 f=1 ;;
	esac
	summaries+=("$1")
	passed=$((passed + p))
	failed=$((failed + f))
}

finish() {
	echo "==> summary"
	printf '%s\n' "${summaries[@]}"
	echo "check-debug: took $(($(date +%s) - started)) s"
	echo "$passed passed, $failed failed"
	if [ "$record" = 1 ] && [ "$failed" = 0 ]; then
		write_record
	fi
	[ "$failed" -eq 0 ]
	exit
}

write_record() {
	local body
	if [ "$(sources_hash)" != "$run_hash" ]; then
		echo "check-debug: the driver sources changed during the run; not recorded" >&2
		return 1
	fi
	body=$(
		echo "$BEGIN_MARK"
		echo
		echo "- commit: \`\`$run_commit\`\`$run_dirty"
		echo "- date: \`\`$(date -u +%Y-%m-%d)\`\`"
		echo "- driver sources: \`\`$run_hash\`\` (\`\`tools/check-debug.sh --sources-hash\`\`)"
		echo "- kernel: \`\`$(. "$TOP/tools/kernel.sh" && mdl_kernel_release debug)\`\`"
		echo "- took: \`\`$(($(date +%s) - started)) s\`\`"
		echo "- knobs: \`\`FUZZ_IOCTLS=${FUZZ_IOCTLS:-1000000} FAULT_IOCTLS=${FAULT_IOCTLS:-100000}\`\`"
		echo
		echo "::"
		echo
		# The hardening steps' own summary lines (fuzzer and fault
		# injection counts), the kmemleak scans, then the totals.
		sed -n '/^=== hardening: summary/,/^SUMMARY hardening/p' "$logs/hardening.log" |
			grep -v -E '^(===|SUMMARY|PASS |FAIL )' | sed 's/^/    /'
		cat "$logs"/*.log | grep -a -o 'kmemleak scan after the command: [0-9]* unreferenced objects' |
			sort | uniq -c | sed -E 's/^ *([0-9]+) /    \1 guests, /'
		printf '    %s\n' "${summaries[@]}" "$passed passed, $failed failed"
		echo
		echo "$END_MARK"
	)
	if ! grep -q "^$BEGIN_MARK" "$DOC"; then
		echo "check-debug: $DOC has no $BEGIN_MARK line to put the record under" >&2
		return 1
	fi
	BODY=$body awk -v b="$BEGIN_MARK" -v e="$END_MARK" '
		$0 == b { print ENVIRON["BODY"]; skip = 1; next }
		$0 == e { skip = 0; next }
		!skip' "$DOC" >"$DOC.new" && mv "$DOC.new" "$DOC"
	echo "check-debug: recorded this run in $DOC; commit it"
}

if ! make -s deps; then
	echo "check-debug: tools/install-deps.sh failed" >&2
	count "SUMMARY deps 0 1"
	finish
fi

echo "==> debug kernel"
t0=$(date +%s)
if tools/vm/debug-kernel.sh; then
	count "SUMMARY kernel debug 1 0"
	echo "check-debug: the debug kernel took $(($(date +%s) - t0)) s (0 when cached)"
else
	count "SUMMARY kernel debug 0 1"
	finish
fi

echo "==> C++ user space"
if ! make -s tools; then
	count "SUMMARY tools 0 1"
	finish
fi

echo "==> module build (debug)"
if tools/build-module.sh --kernel debug; then
	count "SUMMARY module debug 1 0"
else
	count "SUMMARY module debug 0 1"
	finish
fi

# Each guest is one TCG thread: the hardening boot runs next to the VM
# suite and the trace check, which together take about as long, so that
# two cores halve the wall time. Each writes its own log, shown in turn.
logs=$(mktemp -d)
trap 'rm -f "$log"; rm -rf "$logs"' EXIT
run_logged() { # name command...
	local name=$1 t0
	shift
	t0=$(date +%s)
	"$@" >"$logs/$name.log" 2>&1
	echo "check-debug: $name took $(($(date +%s) - t0)) s" >>"$logs/$name.log"
}
echo "==> vm, trace and hardening (debug), two guests at a time; logs follow when both end"
(
	run_logged vm tools/vm/run-suite.sh
	run_logged trace tools/vm/trace-check.sh
) &
run_logged hardening tools/hardening/run.sh &
wait
for name in vm trace hardening; do
	echo "==> $name debug"
	cat "$logs/$name.log"
	line=$(grep -E '^SUMMARY ' "$logs/$name.log" | tail -n 1)
	[ -n "$line" ] || line="SUMMARY $name debug 0 1"
	count "$line"
done
finish
