#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# The guest half of tools/hardening/run.sh: every hardening scenario in
# turn, inside tools/vm/mdl-vm (busybox sh, root, mdl.ko loaded). Each step
# prints "PASS <name>: ..." or "FAIL <name>: ..."; a step that dies without
# a verdict gets a FAIL line here. The order matters: the unprivileged
# steps need the device nodes' boot-time 0666, unload reloads the module,
# unplug removes and rescans the edu device, so they come last.
#
# Knobs (run.sh passes them): FUZZ_IOCTLS, FUZZ_SEED, LOAD_THREADS,
# LOAD_CYCLES, CLOSE_ROUNDS, FAULT_IOCTLS, FAULT_PROBABILITY. The
# fault-injection step runs only on a kernel that has fail_page_alloc and
# failslab (the debug kernel, mdl-vm --kernel debug).

FUZZ_IOCTLS=${FUZZ_IOCTLS:-1000000}
LOAD_THREADS=${LOAD_THREADS:-8}
LOAD_CYCLES=${LOAD_CYCLES:-10000}
CLOSE_ROUNDS=${CLOSE_ROUNDS:-200}
FAULT_IOCTLS=${FAULT_IOCTLS:-100000}
FAULT_PROBABILITY=${FAULT_PROBABILITY:-5}
seed_arg=
[ -n "${FUZZ_SEED:-}" ] && seed_arg="--seed $FUZZ_SEED"

out=/tmp/hardening-step.log

# A step that drives the machine into the OOM killer must not take this
# script (and so every later step) with it. The steps themselves run with
# the default score again. -999, not -1000: with nothing killable left
# the kernel panics ("System is deadlocked on memory") and every later
# step is lost with the VM.
echo -999 >/proc/self/oom_score_adj

step() { # name command...
	name=$1
	shift
	start=$(date +%s)
	echo "=== hardening: $name ==="
	(echo 0 >/proc/self/oom_score_adj && "$@") 2>&1 | tee "$out"
	# busybox sh has no PIPESTATUS: the verdict line decides.
	if ! grep -q "^PASS \|^FAIL " "$out"; then
		echo "FAIL $name: ended without a verdict (crashed?)"
	fi
	echo "=== hardening: $name: $(($(date +%s) - start)) s ==="
}

# The existing GoogleTest cases for unprivileged callers, reused as they are.
gtest_privileges() {
	MDL_EXPECT_IOMMU=$MDL_VM_IOMMU mdl_tests --gtest_filter='*Unprivileged*' --gtest_brief=1 >"$out.gtest" 2>&1
	status=$?
	cat "$out.gtest"
	n=$(sed -n 's/^.*\[  PASSED  \] \([0-9]*\) test.*$/\1/p' "$out.gtest" | tail -n 1)
	if [ "$status" = 0 ] && [ -n "$n" ] && [ "$n" -gt 0 ]; then
		echo "privileges-gtest: $n tests of tools/tests/privilege_test.cpp as uid 65534 passed"
		echo "PASS privileges-gtest: $n tests"
	else
		echo "FAIL privileges-gtest: mdl_tests exited $status"
	fi
}

step privileges-gtest gtest_privileges
step privileges mdl_harden privileges
# shellcheck disable=SC2086 # $seed_arg is empty or two words
step fuzz mdl_fuzz --ioctls "$FUZZ_IOCTLS" $seed_arg
step window-walk mdl_harden window-walk
step usercap mdl_harden usercap
step cgroup mdl_harden cgroup
step load mdl_harden load --threads "$LOAD_THREADS" --cycles "$LOAD_CYCLES"
step load-hog mdl_harden load --threads "$LOAD_THREADS" --cycles "$LOAD_CYCLES" --hog
step interrupt mdl_harden interrupt
step close-race mdl_harden close-race --rounds "$CLOSE_ROUNDS"
if [ -d /sys/kernel/debug/fail_page_alloc ] && [ -d /sys/kernel/debug/failslab ]; then
	step faultinject mdl_harden faultinject --ioctls "$FAULT_IOCTLS" --probability "$FAULT_PROBABILITY"
fi
step unload mdl_harden unload
step unplug mdl_harden unplug
echo "=== hardening: done ==="
