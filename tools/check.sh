#!/bin/bash
# `make check`: every test drm-mdl has, in order, each step running even when
# an earlier one failed (as long as its inputs exist), then one line
# "N passed, N failed" over all of them. Exits non-zero on any failure.
#
#   module   mdl.ko builds against the test kernel at W=1 (one case)
#   kunit    the KUnit suites in UML with KASAN, lockdep, kmemleak
#   vm       the GoogleTest suite in QEMU, with and without the IOMMU
#   trace    the tracepoints, read back through tracefs in the VM
#   harden   the hardening suite in the VM: fuzzer, load, unplug, ... (~12 min)
#   dkms     dkms add/build/remove against Debian's 6.1 headers
#   docs     make htmldocs, warnings as errors
#   bench    make bench-smoke: every contender at small sizes, in UML
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"

passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

add_summary() { # step, log
	local line
	line=$(grep -E '^SUMMARY ' "$2" | tail -n 1)
	if [ -z "$line" ]; then
		echo "check: $1 printed no summary; counting it as one failure" >&2
		failed=$((failed + 1))
		return
	fi
	set -- $line
	passed=$((passed + $3))
	failed=$((failed + $4))
}

started=$(date +%s)

echo "==> module build"
if make -s module; then
	passed=$((passed + 1))
	module_ok=1
else
	failed=$((failed + 1))
	module_ok=0
fi

echo "==> KUnit in UML"
make -s kunit 2>&1 | tee "$log"
add_summary kunit "$log"

# Steps that boot the test VM need mdl.ko and the C++ tools.
vm_step() { # name, command...
	local name=$1
	shift
	echo "==> $name"
	if [ "$module_ok" = 1 ] && [ "$tools_ok" = 1 ]; then
		"$@" 2>&1 | tee "$log"
		add_summary "$name" "$log"
	else
		echo "check: $name not run (module or tools failed to build)" >&2
		failed=$((failed + 1))
	fi
}

tools_ok=0
make -s tools && tools_ok=1
vm_step "VM suite" tools/vm/run-suite.sh
vm_step "tracepoints" tools/vm/trace-check.sh
vm_step "hardening" tools/hardening/run.sh

# Steps that need neither the VM nor the tools.
host_step() { # name, command...
	local name=$1
	shift
	echo "==> $name"
	"$@" 2>&1 | tee "$log"
	add_summary "$name" "$log"
}

host_step "DKMS build" packaging/dkms-check.sh
host_step "htmldocs" Documentation/htmldocs.sh
host_step "benchmark smoke run" tools/bench/run-bench.sh --smoke

echo "check: took $(( $(date +%s) - started )) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
