#!/bin/bash
# sparse (make C=2) and the compiler at W=1 over mdl.ko's sources, against
# one test kernel's headers (tools/build-module.sh: Debian's installed
# headers for 6.1 and 6.12, the kbuild tree of tools/debian-kernel.sh for
# 7.2 and 7.3). Fails on any diagnostic.
#
#   tools/lint/sparse.sh [SERIES]     6.1, 6.12, 7.2 or 7.3; default
#                                     $MDL_KERNEL, else 6.1
set -uo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tools/kernel.sh
. "$TOP/tools/kernel.sh"
SERIES=$(mdl_kernel_series "${1-}") || exit 2
command -v sparse >/dev/null || {
	echo "sparse ($SERIES): sparse is not installed: run tools/install-deps.sh" >&2
	exit 1
}
SRC=$("$TOP/tools/kernel-source.sh" "$SERIES") || exit 1
checker=$("$TOP/tools/lint/sparse-tool.sh" "$SRC") || exit 1
# build-module.sh fails on any warning in the log and prints it.
if ! ko=$("$TOP/tools/build-module.sh" --kernel "$SERIES" -- C=2 CHECK="$checker" | tail -n 1) || [ -z "$ko" ]; then
	echo "sparse ($SERIES): not clean: fix the diagnostics above; 'make sparse KERNEL=$SERIES' runs it again" >&2
	exit 1
fi
# Newer Kbuild tries sparse first (scripts/checker-valid.sh) and, when it
# falls short, turns C=2 off with nothing but a make message: the build
# passes without sparse having looked at a line. 7.x's check wants
# __typeof_unqual__, which Debian 12's sparse 0.6.4 does not know.
log=${ko%/drivers/gpu/drm/mdl/mdl.ko}/build.log
if grep -E 'C=[12] specified, but .* (not available|not up to date)' "$log" >&2; then
	echo "sparse ($SERIES): sparse did not run: this kernel's Kbuild rejects $checker as too old (tools/lint/sparse-tool.sh)" >&2
	exit 1
fi
echo "sparse ($SERIES): clean"
