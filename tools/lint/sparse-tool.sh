#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Prints the sparse to run over a kernel tree: Debian 12's own (0.6.4) when
# the tree's Kbuild accepts it, else one built once into the cache from the
# newest sparse source package in Debian's archive. 6.19 and later check
# sparse first (scripts/checker-valid.sh wants __typeof_unqual__) and turn
# C=2 off when it falls short; sid's 0.6.5 is new enough, but its binary
# package needs a newer glibc than Debian 12's, so it is built from source
# here, with private apt lists, nothing installed on the host.
#
#   tools/lint/sparse-tool.sh SRC     SRC: the kernel source tree
set -euo pipefail

SRC=$1
CACHE=${CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/drm-mdl}
accepted() { # sparse
	[ ! -f "$SRC/scripts/checker-valid.sh" ] ||
		[ "$(sh "$SRC/scripts/checker-valid.sh" "$1" 2>/dev/null)" = 1 ]
}

if command -v sparse >/dev/null && accepted sparse; then
	command -v sparse
	exit 0
fi

DIR=$CACHE/sparse
mkdir -p "$DIR"
exec 9>"$DIR.lock"
flock 9
for built in $(ls -d "$DIR"/src-*/sparse 2>/dev/null | sort -V -r); do
	if accepted "$built"; then
		echo "$built"
		exit 0
	fi
done

echo "sparse-tool: Debian 12's sparse is too old for $SRC; building the newest from Debian's source" >&2
mkdir -p "$DIR/apt/lists/partial"
cat >"$DIR/apt/sources.list" <<'SOURCES'
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian sid main
SOURCES
apt_opts=(-o "Dir::Etc::SourceList=$DIR/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
	-o "Dir::State::Lists=$DIR/apt/lists" -o "Dir::Cache=$DIR/apt" -o Dir::State::status=/dev/null
	-o Debug::NoLocking=1 -o APT::Sandbox::User=root)
apt-get "${apt_opts[@]}" -q update >"$DIR/apt/update.log" 2>&1 || {
	cat "$DIR/apt/update.log" >&2
	exit 1
}
work=$(mktemp -d "$DIR/dl.XXXXXX")
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get "${apt_opts[@]}" -q source --download-only sparse >/dev/null)
dsc=$(ls "$work"/sparse_*.dsc)
version=$(sed -n 's/^Version: //p' "$dsc")
rm -rf "$DIR/src-$version"
dpkg-source -x "$dsc" "$DIR/src-$version" >/dev/null
# Debian's Makefile names its own gcc (gcc-16); sparse only needs a C compiler.
make -s -C "$DIR/src-$version" CC=gcc -j"$(nproc)" sparse >"$DIR/build.log" 2>&1 || {
	tail -n 20 "$DIR/build.log" >&2
	exit 1
}
accepted "$DIR/src-$version/sparse" || {
	echo "sparse-tool: even sparse $version is too old for $SRC" >&2
	exit 1
}
echo "$DIR/src-$version/sparse"
