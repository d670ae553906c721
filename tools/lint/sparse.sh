#!/bin/bash
# sparse (make C=2) and the compiler at W=1 over mdl.ko's sources, against
# one test kernel's headers. Fails on any diagnostic.
#
#   tools/lint/sparse.sh [SERIES]     default $MDL_KERNEL, else 6.1
set -uo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tools/kernel.sh
. "$TOP/tools/kernel.sh"
SERIES=$(mdl_kernel_series "${1-}") || exit 2
command -v sparse >/dev/null || {
	echo "sparse ($SERIES): sparse is not installed: run tools/install-deps.sh" >&2
	exit 1
}
# build-module.sh fails on any warning in the log and prints it.
if "$TOP/tools/build-module.sh" --kernel "$SERIES" -- C=2 >/dev/null; then
	echo "sparse ($SERIES): clean"
else
	echo "sparse ($SERIES): not clean: fix the diagnostics above; 'make sparse KERNEL=$SERIES' runs it again" >&2
	exit 1
fi
