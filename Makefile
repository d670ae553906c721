# SPDX-License-Identifier: GPL-2.0-only
#
# drm-mdl top-level Makefile.
#
#   make            build mdl.ko against the running kernel (or KDIR=...)
#   make run        boot the test kernel in QEMU, load mdl.ko, show an allocation
#   make check      module build + KUnit in UML + the VM suite; one summary line
#   make kunit      KUnit suites in UML (KASAN, lockdep, kmemleak, DEBUG_VM)
#   make lint       checkpatch --strict and sparse over the kernel sources
#   make tools      C++ user space (library, mdlctl, tests, benchmarks)

TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
CACHE ?= $(if $(XDG_CACHE_HOME),$(XDG_CACHE_HOME),$(HOME)/.cache)/drm-mdl
export CACHE

# The running kernel's headers when present, else Debian's 6.1 test kernel.
# Resolved by the shell when a recipe runs, not when make reads this file:
# on a fresh machine the headers exist only once `deps` has installed them.
# KDIR=... on the command line or in the environment wins.
KDIR_SH = "$${KDIR:-$$($(TOP)/tools/kdir.sh)}"

BUILD := $(TOP)/build
TOOLS_BUILD := $(BUILD)/tools

.PHONY: all module deps clean kunit lint sparse checkpatch tools vm-test run check

all: module

deps:
	@tools/install-deps.sh

module: deps
	$(MAKE) -C $(KDIR_SH) M=$(TOP) W=1 modules

clean:
	-$(MAKE) -C $(KDIR_SH) M=$(TOP) clean
	rm -rf $(BUILD)

kunit: deps
	@tools/kunit/run-kunit.sh

tools: deps
	cmake -S tools -B $(TOOLS_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(TOOLS_BUILD) -j$$(nproc)

checkpatch: deps
	@tools/lint/checkpatch.sh

sparse: deps
	@$(MAKE) -s -C $(KDIR_SH) M=$(TOP) C=2 W=1 modules 2>&1 | tools/lint/sparse-filter.sh

lint: checkpatch sparse

vm-test: module tools
	@tools/vm/run-suite.sh

run: module tools
	@tools/vm/demo.sh

check:
	@tools/check.sh

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
