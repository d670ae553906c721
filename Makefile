# SPDX-License-Identifier: GPL-2.0-only
#
# drm-mdl top-level Makefile.
#
#   make            build mdl.ko against the running kernel (or KDIR=...,
#                   or the test kernel KERNEL=6.1|6.12) into build/kmod/
#   make run        boot the test kernel in QEMU, load mdl.ko, show an allocation
#   make check      every test on both test kernels; one summary line
#   make check-debug the VM suites under the sanitizing debug kernel
#   make kunit      KUnit suites in UML (KASAN, lockdep, kmemleak, DEBUG_VM)
#   make lint       checkpatch --strict and sparse, on both kernel trees
#   make tools      C++ user space (library, mdlctl, tests, benchmarks)
#
# KERNEL=6.12 picks Debian's 6.12 test kernel instead of 6.1 for module,
# run, kunit, vm-test, dkms-check and bench(-smoke); the scripts read it as
# MDL_KERNEL. check and lint cover both kernels.

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

LINT_KERNELS := $(or $(KERNEL),6.1 6.12)

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
# DMA-API debug, UBSAN, fault injection), built from linux-source-6.12 into
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
#                     Debian's 6.1 headers; last line "SUMMARY dkms P F"
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
#   make bench        UML and VM benchmark: build/bench/results.{json,txt}, plot.svg
#   make bench-smoke  a few seconds at small sizes in UML; last line
#                     "SUMMARY bench <passed> <failed>"
.PHONY: bench bench-smoke

bench: deps
	@tools/bench/run-bench.sh

bench-smoke: deps
	@tools/bench/run-bench.sh --smoke
