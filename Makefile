# SPDX-License-Identifier: GPL-2.0-only
#
# drm-mdl top-level Makefile.
#
#   make            build mdl.ko against the running kernel (or KDIR=...,
#                   or the test kernel KERNEL=6.1|6.12|7.2|7.3) into build/kmod/
#   make run        boot the test kernel in QEMU, load mdl.ko, show an allocation
#   make check      every test on the test kernels; one summary line
#   make check-debug the VM suites under the sanitizing debug kernel
#   make kunit      KUnit suites in UML (KASAN, lockdep, kmemleak, DEBUG_VM)
#   make lint       checkpatch --strict and sparse, on every test kernel's tree
#   make tools      C++ user space (library, mdlctl, tests, benchmarks)
#
# KERNEL=6.12, 7.2 or 7.3 picks that Debian test kernel instead of 6.1 for
# module, run, kunit, vm-test, dkms-check and bench-smoke, and makes bench
# measure that kernel alone instead of 6.1, 6.12 and 7.3; the scripts
# read it as MDL_KERNEL. 6.1 and 6.12 are installed by apt; 7.2 and 7.3,
# which Debian 12 cannot install, are unpacked into the cache by
# tools/debian-kernel.sh (tools/kernel.sh). check and lint cover them all.

TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
CACHE ?= $(if $(XDG_CACHE_HOME),$(XDG_CACHE_HOME),$(HOME)/.cache)/drm-mdl
export CACHE

ifneq ($(KERNEL),)
export MDL_KERNEL := $(KERNEL)
endif

BUILD := $(TOP)/build
TOOLS_BUILD := $(BUILD)/tools

.PHONY: all module deps clean kunit lint sparse checkpatch tools vm-test run check check-debug debug-kernel

all: module

deps:
	@tools/install-deps.sh

# KDIR, else KERNEL, else the running kernel's headers, else 6.1: resolved
# when the recipe runs, after `deps` has installed the headers.
module: deps
	@tools/build-module.sh

clean:
	rm -rf $(BUILD)

kunit: deps
	@tools/kunit/run-kunit.sh

tools: deps
	cmake -S tools -B $(TOOLS_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(TOOLS_BUILD) -j$$(nproc)

# Every test kernel (MDL_KERNEL_SERIES_ALL in tools/kernel.sh) unless KERNEL
# names one.
LINT_KERNELS := $(or $(KERNEL),$(shell bash -c '. "$(TOP)/tools/kernel.sh" && echo $$MDL_KERNEL_SERIES_ALL'))

checkpatch: deps
	@for k in $(LINT_KERNELS); do tools/lint/checkpatch.sh $$k || exit 1; done

sparse: deps
	@for k in $(LINT_KERNELS); do tools/lint/sparse.sh $$k || exit 1; done

lint: checkpatch sparse

vm-test: module tools
	@tools/vm/run-suite.sh

run: module tools
	@tools/vm/demo.sh

check:
	@tools/check.sh

# The VM suites under the sanitizing debug kernel (KASAN, lockdep, kmemleak,
# DMA-API debug, UBSAN, fault injection), built from linux-source-7.3 into
# the cache. Too long for `make check`; RECORD=1 writes a green run into
# Documentation/gpu/drm-mdl/testing.rst, and tools/check-debug.sh
# --verify-record checks that the record covers the driver sources.
check-debug:
	@tools/check-debug.sh $(if $(RECORD),--record)

debug-kernel: deps
	@tools/vm/debug-kernel.sh

# ---- Packaging and documentation --------------------------------------
#
#   make dkms-check   dkms add/build/remove of the package source against
#                     the test kernel's headers (6.1, or KERNEL=...); last
#                     line "SUMMARY dkms <kernel> P F"
#   make deb          build/deb/mdl-dkms_*.deb and mdl-tools_*.deb (also
#                     make dkms-deb)
#   make htmldocs     Sphinx HTML of Documentation/ into build/htmldocs,
#                     kernel-doc from the sources, warnings are errors

.PHONY: dkms-check deb dkms-deb htmldocs

dkms-check: deps
	@packaging/dkms-check.sh

deb: deps tools
	@packaging/build-debs.sh

dkms-deb: deb

htmldocs: deps
	@Documentation/htmldocs.sh

# ---- benchmark (issue 4; tools/bench, see tools/bench/README.md) ----
#   make bench        UML and VM benchmark on 6.1, 6.12 and 7.3:
#                     build/bench/<kernel>/results.{json,txt}, plot.svg,
#                     build/bench/summary.txt
#   make bench-smoke  a few seconds at small sizes in UML; last line
#                     "SUMMARY bench <kernel> <passed> <failed>"
.PHONY: bench bench-smoke

bench: deps
	@tools/bench/run-bench.sh

bench-smoke: deps
	@tools/bench/run-bench.sh --smoke
