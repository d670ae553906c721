#!/bin/bash
# `make check`: every test drm-mdl has, on the test kernels (Debian's 6.1,
# 6.12, 7.2 and 7.3), each step running even when an earlier one failed (as
# long as its inputs exist), then one line "N passed, N failed" over all of
# them. Exits non-zero on any failure.
#
# Per kernel (which of them a kernel gets: mdl_kernel_check_steps in
# tools/kernel.sh; every one on 6.1, 6.12 and 7.3, the first three on 7.2):
#   module   mdl.ko builds against the kernel's headers at W=1, and its
#            interface probes find what tools/compat-probes.expected says
#   kunit    the KUnit suites in UML with KASAN, lockdep, kmemleak, ...
#   vm       the GoogleTest suite in QEMU, with and without the IOMMU
#   trace    the tracepoints, read back through tracefs in the VM
#   harden   the hardening suite in the VM: fuzzer, load, unplug, ...
#   dkms     dkms add/build/remove of the mdl-dkms package's source
#   bench    make bench-smoke: every contender at small sizes, in UML
# Once:
#   tools    the C++ user space (shared by every kernel's VM steps)
#   deb      the mdl-dkms and mdl-tools packages
#   docs     make htmldocs, warnings as errors
#   debug-record  the last green `make check-debug` (testing.rst) covers
#            the driver sources as they are now
#
# Every step's last line is "SUMMARY <step> [<kernel>] <passed> <failed>".
# MDL_CHECK_KERNELS="6.12 7.3" limits the kernels (default: all of them,
# "6.1 6.12 7.2 7.3").
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
# shellcheck source=tools/kernel.sh
. "$TOP/tools/kernel.sh"
KERNELS=${MDL_CHECK_KERNELS:-$MDL_KERNEL_SERIES_ALL}

passed=0
failed=0
summaries=()
log=$(mktemp)
trap 'rm -f "$log"' EXIT

count() { # summary line: SUMMARY step [kernel] passed failed
	local line=$1 p f
	read -r p f < <(echo "$line" | awk '{ print $(NF - 1), $NF }')
	case "$p$f" in
	'' | *[!0-9]*)
		echo "check: cannot read the counts of '$line'; counting it as one failure" >&2
		p=0 f=1
		;;
	esac
	summaries+=("$line")
	passed=$((passed + p))
	failed=$((failed + f))
}

add_summary() { # step, log
	local line
	line=$(grep -E '^SUMMARY ' "$2" | tail -n 1)
	if [ -z "$line" ]; then
		echo "check: $1 printed no summary; counting it as one failure" >&2
		line="SUMMARY $1 0 1"
	fi
	count "$line"
}

started=$(date +%s)

if ! make -s deps; then
	echo "check: tools/install-deps.sh failed; nothing can run" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

echo "==> C++ user space"
tools_ok=0
if make -s tools; then
	tools_ok=1
	count "SUMMARY tools 1 0"
else
	count "SUMMARY tools 0 1"
fi

echo "==> Debian packages"
if make -s deb >"$log" 2>&1; then
	count "SUMMARY deb 1 0"
else
	cat "$log"
	count "SUMMARY deb 0 1"
fi

step() { # name, command...
	local name=$1 t0=$(date +%s)
	shift
	echo "==> $name"
	"$@" 2>&1 | tee "$log"
	add_summary "$name" "$log"
	echo "check: $name took $(( $(date +%s) - t0 )) s"
}

# Whether the kernel of this round gets a step (mdl_kernel_check_steps).
runs() { [[ $steps == *" $1 "* ]]; }
expected_kernel_steps=0
for k in $KERNELS; do
	if ! mdl_kernel_series "$k" >/dev/null; then
		# One failure for a kernel that none of the steps knows.
		count "SUMMARY kernel $k 0 1"
		expected_kernel_steps=$((expected_kernel_steps + 1))
		continue
	fi
	export MDL_KERNEL=$k
	steps=" $(mdl_kernel_check_steps "$k") "
	expected_kernel_steps=$((expected_kernel_steps + $(echo $steps | wc -w)))

	module_ok=0
	if runs module; then
		echo "==> module build ($k)"
		# The module, and the interfaces its probes found on this kernel.
		if ko=$(tools/build-module.sh --kernel "$k" | tail -n 1) &&
			tools/check-probes.sh "$k" "$ko"; then
			module_ok=1
			count "SUMMARY module $k 1 0"
		else
			count "SUMMARY module $k 0 1"
		fi
	fi

	runs kunit && step "kunit $k" tools/kunit/run-kunit.sh --kernel "$k"

	# Steps that boot the test VM need mdl.ko and the C++ tools.
	for vm in "vm tools/vm/run-suite.sh" "trace tools/vm/trace-check.sh" \
		"hardening tools/hardening/run.sh"; do
		set -- $vm
		runs "$1" || continue
		if [ "$module_ok" = 1 ] && [ "$tools_ok" = 1 ]; then
			step "$1 $k" "$2"
		else
			echo "check: $1 ($k) not run (module or tools failed to build)" >&2
			count "SUMMARY $1 $k 0 1"
		fi
	done

	runs dkms && step "dkms $k" packaging/dkms-check.sh --kernel "$k"
	runs bench && step "bench $k" tools/bench/run-bench.sh --smoke
done
unset MDL_KERNEL

step "htmldocs" Documentation/htmldocs.sh

# The debug kernel's suites take too long for this run (testing.rst); what
# it checks is that their last green run covers the driver as it is now.
step "debug-record" tools/check-debug.sh --verify-record

# A step that went missing (the script itself broke) must not pass for a
# green run: tools, deb, htmldocs and debug-record, and each kernel's steps.
expected=$((4 + expected_kernel_steps))
if [ "${#summaries[@]}" -ne "$expected" ]; then
	echo "check: $expected steps should have reported, ${#summaries[@]} did" >&2
	failed=$((failed + 1))
fi

echo "==> summary"
printf '%s\n' "${summaries[@]}"
echo "check: took $(( $(date +%s) - started )) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
