#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Compares what the interface probes found when mdl.ko was built for a
# tested kernel (mdl_compat_probed.h beside the module) with
# tools/compat-probes.expected, and prints every difference. A probe that
# stops compiling for an unrelated reason (a new warning, a moved header)
# would otherwise select the old interface without a word: for
# alloc_contig_range() that compiles and takes CMA pages.
#
#   tools/check-probes.sh SERIES KO     KO: the mdl.ko build-module.sh made
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
series=$1
probed=$(dirname "$2")/mdl_compat_probed.h
expected=$TOP/tools/compat-probes.expected
column=$(awk -v s="$series" '/^# probe / { for (i = 3; i <= NF; i++) if ($i == s) print i - 1 }' "$expected")
[ -n "$column" ] || { echo "check-probes: $series is not a column of $expected" >&2; exit 1; }
[ -f "$probed" ] || { echo "check-probes: no $probed" >&2; exit 1; }
status=0
while read -r name want; do
	got=$(sed -n "s/^#define MDL_HAVE_$name \([01]\)$/\1/p" "$probed")
	if [ "$got" != "$want" ]; then
		echo "check-probes: $series: MDL_HAVE_$name is ${got:-missing}, expected $want (compiler output: $probed.log)" >&2
		status=1
	fi
done < <(awk -v c="$column" '!/^#/ && NF { print $1, $c }' "$expected")
# A probe nobody expects is a probe nobody checks.
for name in $(sed -n 's/^#define MDL_HAVE_\([A-Z0-9_]*\) [01]$/\1/p' "$probed"); do
	grep -q "^$name " "$expected" || { echo "check-probes: MDL_HAVE_$name is not in $expected" >&2; status=1; }
done
[ "$status" = 0 ] && echo "check-probes: $series: all $(grep -c '^#define MDL_HAVE_' "$probed") probes as expected"
exit "$status"
