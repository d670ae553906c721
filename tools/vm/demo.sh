#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# `make run`: boots the test VM behind the emulated IOMMU, loads mdl.ko and
# allocates through mdlctl, so that the physical address of each page and
# the logical (DMA) address the device uses for it show side by side; then
# shows who holds what while an allocation is held, as monitoring tools see
# it (mdlctl clients and the holder's /proc/PID/fdinfo).
#
#   tools/vm/demo.sh [--no-iommu] [SIZE]      SIZE defaults to 64K
#
# With --no-iommu the two columns come out equal, which is the point of
# showing that run too.

set -euo pipefail

REPO=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
MDLCTL=${MDLCTL:-$REPO/build/tools/mdlctl}

vm_flags=()
size=64K
for arg in "$@"; do
	case $arg in
	--no-iommu) vm_flags+=(--no-iommu) ;;
	-h | --help) sed -n '3,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "demo: unknown option '$arg'" >&2; exit 2 ;;
	*) size=$arg ;;
	esac
done

if [ ! -x "$MDLCTL" ]; then
	echo "demo: $MDLCTL does not exist; build it with 'make tools'" >&2
	exit 1
fi

# Echo each command before it runs, as a shell transcript would; stop at
# the first failure so that its message is the last thing on screen.
# shellcheck disable=SC2016 # expanded in the guest
script='
set -e
run() { echo; echo "\$ $*"; "$@"; }
run mdlctl list
run mdlctl info
run mdlctl alloc "$1" --pages
echo; echo "\$ mdlctl alloc 16M --hold 60 >/dev/null &"
mdlctl alloc 16M --hold 60 >/dev/null &
holder=$!
fdinfo=
tries=0
while [ -z "$fdinfo" ] && [ $tries -lt 100 ]; do
	for f in /proc/$holder/fdinfo/*; do
		grep -q "^drm-total-memory:.*[1-9]" "$f" 2>/dev/null && fdinfo=$f
	done
	tries=$((tries + 1))
	[ -n "$fdinfo" ] || sleep 0.1
done
run mdlctl clients
run cat "$fdinfo"
kill $holder
wait
'
exec "$REPO/tools/vm/mdl-vm" "${vm_flags[@]}" --add "$MDLCTL" -- sh -c "$script" demo "$size"
