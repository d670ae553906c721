#!/bin/bash
# checkpatch --strict over every kernel source of drm-mdl, with the
# checkpatch.pl of the kernel drm-mdl targets. Fails on any message.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
SRC=$("$TOP/tools/kernel-source.sh")

cd "$TOP"
files=$(git ls-files drivers/gpu/drm/mdl/*.[ch] 'include/drm/drm_mdl*.h' \
	include/uapi/drm/mdl_drm.h kunit/*.[ch] | grep -v '_trace\.h$')
# TRACE_EVENT() headers have a layout of their own (the kernel's own trace
# headers draw the same --strict CHECKs); they must pass the normal checks.
trace_headers=$(git ls-files 'drivers/gpu/drm/mdl/*_trace.h')
# --no-tree: the checkout is not a kernel tree; the typedef and spelling
# lists still come from $SRC.
out=$("$SRC/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
	--ignore FILE_PATH_CHANGES -f $files 2>&1 | grep -v ' total: 0 errors, 0 warnings, 0 checks' || true)
if [ -n "$trace_headers" ]; then
	out="$out$("$SRC/scripts/checkpatch.pl" --no-tree --terse --show-types \
		-f $trace_headers 2>&1 | grep -v ' total: 0 errors, 0 warnings, 0 checks' || true)"
fi
if [ -n "$out" ]; then
	echo "$out"
	echo "checkpatch: not clean" >&2
	exit 1
fi
echo "checkpatch: clean ($(echo "$files $trace_headers" | wc -w) files)"
