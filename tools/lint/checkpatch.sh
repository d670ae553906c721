#!/bin/bash
# checkpatch --strict over every kernel source of drm-mdl, with the
# checkpatch.pl of one test kernel's tree (each tree's own rules: 7.3's
# knows more than 6.1's). The trees are Debian's linux-source-SERIES,
# unpacked by tools/kernel-source.sh (for 7.2 and 7.3 out of the package
# tools/debian-kernel.sh downloads). Fails on any message.
#
#   tools/lint/checkpatch.sh [SERIES]     6.1, 6.12, 7.2 or 7.3; default
#                                         $MDL_KERNEL, else 6.1
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tools/kernel.sh
. "$TOP/tools/kernel.sh"
SERIES=$(mdl_kernel_series "${1-}") || exit 2
SRC=$("$TOP/tools/kernel-source.sh" "$SERIES")

cd "$TOP"
files=$(git ls-files drivers/gpu/drm/mdl/*.[ch] 'include/drm/drm_mdl*.h' \
	include/uapi/drm/mdl_drm.h kunit/*.[ch] tools/bench/kernel/*.[ch] |
	grep -v -e '_trace\.h$' -e '_compat\.h$')
# The compat header is the one place that tests kernel versions, which is
# what checkpatch's LINUX_VERSION_CODE rule (code is for the version it is
# merged into) forbids everywhere else. Its macros keep the older
# signature where a newer kernel dropped an argument (__assign_str()), so
# 6.12's MACRO_ARG_UNUSED is expected there too; every other rule holds.
compat_headers=$(git ls-files 'drivers/gpu/drm/mdl/*_compat.h')
# TRACE_EVENT() headers have a layout of their own (the kernel's own trace
# headers draw the same --strict CHECKs); they must pass the normal checks.
trace_headers=$(git ls-files 'drivers/gpu/drm/mdl/*_trace.h')
# --no-tree: the checkout is not a kernel tree; the typedef and spelling
# lists still come from $SRC.
out=$("$SRC/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
	--ignore FILE_PATH_CHANGES -f $files 2>&1 | grep -v ' total: 0 errors, 0 warnings, 0 checks' || true)
if [ -n "$compat_headers" ]; then
	# ${out:+...}: $(...) drops the last newline of the previous run.
	out="$out${out:+$'\n'}$("$SRC/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
		--ignore FILE_PATH_CHANGES,LINUX_VERSION_CODE,CONSTANT_COMPARISON,MACRO_ARG_UNUSED \
		-f $compat_headers 2>&1 | grep -v ' total: 0 errors, 0 warnings, 0 checks' || true)"
fi
if [ -n "$trace_headers" ]; then
	out="$out${out:+$'\n'}$("$SRC/scripts/checkpatch.pl" --no-tree --terse --show-types \
		-f $trace_headers 2>&1 | grep -v ' total: 0 errors, 0 warnings, 0 checks' || true)"
fi
if [ -n "$out" ]; then
	echo "$out"
	echo "checkpatch ($SERIES): not clean" >&2
	exit 1
fi
echo "checkpatch ($SERIES): clean ($(echo "$files $compat_headers $trace_headers" | wc -w) files)"
