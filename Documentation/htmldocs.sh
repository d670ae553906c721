#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# `make htmldocs`: Sphinx HTML of Documentation/ into build/htmldocs, with
# kernel-doc pulled from the sources through the kernel's kerneldoc
# extension. Any warning is an error (sphinx-build -W): a kernel-doc
# comment that does not parse, a broken reference or a bad table fails it.
#
#   Documentation/htmldocs.sh [OUTDIR]         default build/htmldocs
#
# The last line printed is "SUMMARY htmldocs <passed> <failed>" (one case:
# the whole build), for tools/check.sh.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$TOP/build/htmldocs}

fail() {
	echo "htmldocs: $*" >&2
	echo "SUMMARY htmldocs 0 1"
	exit 1
}

command -v sphinx-build >/dev/null ||
	fail "sphinx-build is missing: run tools/install-deps.sh (it installs python3-sphinx)"
MDL_KERNEL_SRC=${MDL_KERNEL_SRC:-$("$TOP/tools/kernel-source.sh")} ||
	fail "no kernel tree for scripts/kernel-doc: install linux-source-6.1 (tools/install-deps.sh) or set MDL_KERNEL_SRC"
export MDL_KERNEL_SRC

# -E: a fresh environment every time, so warnings are never hidden by a
# cached page; the build takes seconds.
if ! sphinx-build -q -E -W --keep-going -b html -d "$OUT/.doctrees" \
	"$TOP/Documentation" "$OUT"; then
	fail "the warnings above are errors; fix the .rst file or kernel-doc comment they name"
fi
echo "htmldocs: $OUT/index.html"
echo "SUMMARY htmldocs 1 0"
