#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Checks that tools/completion/mdlctl.bash knows every subcommand and long
# option that `mdlctl --help` and `mdlctl SUB --help` print, and every flag
# name of `alloc --flags`. Run by `make deb` before packaging.
#
#   packaging/check-completion.sh [MDLCTL]      default build/tools/mdlctl
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
mdlctl=${1:-$TOP/build/tools/mdlctl}
comp=$TOP/tools/completion/mdlctl.bash
if ! [ -x "$mdlctl" ]; then
	echo "check-completion: $mdlctl does not exist; build it with 'make tools'" >&2
	exit 1
fi

missing=()
words=$(sed -e 's/#.*//' "$comp")
has() { grep -qw -- "$1" <<<"$words"; }

subs=$("$mdlctl" --help | awk '/^Subcommands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }')
for opt in $("$mdlctl" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
	has "$opt" || missing+=("mdlctl $opt")
done
for sub in $subs; do
	has "$sub" || missing+=("subcommand $sub")
	for opt in $("$mdlctl" "$sub" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		has "$opt" || missing+=("mdlctl $sub $opt")
	done
done
flags=$("$mdlctl" alloc --help | sed -n 's/.*--flags.*comma list: \(.*\); or a number.*/\1/p' | tr -d ',')
for f in $flags; do
	has "$f" || missing+=("alloc --flags $f")
done

if [ ${#missing[@]} -ne 0 ]; then
	printf 'check-completion: %s is missing from tools/completion/mdlctl.bash\n' "${missing[@]}" >&2
	echo "check-completion: add them to the opts lists (or _mdlctl_flag_names) in tools/completion/mdlctl.bash" >&2
	exit 1
fi
echo "check-completion: tools/completion/mdlctl.bash covers $(wc -w <<<"$subs") subcommands and their options"
