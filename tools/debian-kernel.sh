#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Provides one of the test kernels that Debian 12 cannot install (7.2 from
# sid/forky, 7.3 from trixie-backports) in the cache, and prints its
# directory. Their headers packages cannot be installed here (their kbuild
# needs glibc >= 2.38 and gcc-14), so the kbuild tree is made from
# linux-source-SERIES with Debian's own .config and Module.symvers, and the
# image and modules are taken out of Debian's packages with dpkg-deb -x.
# Nothing touches the host's apt configuration, /boot or /lib/modules: apt
# runs on private lists under the cache.
#
#   tools/debian-kernel.sh SERIES [--refresh]
#
# The build is the newest of the series for which apt offers the image,
# the modules, the headers and a linux-source of the same upstream version
# (never a hard-coded ABI: stable point releases break modules too). Once
# provided it is reused; --refresh asks apt again and moves to a newer
# build. What tools/kernel.sh reads (DIR = $CACHE/debian-kernel/RELEASE):
#   DIR/release                   the release (7.3.4+deb13-amd64)
#   DIR/root/.../vmlinuz-RELEASE  the image, under boot/ or lib/modules/REL/
#   DIR/modroot/lib/modules/REL   its modules (DRM, TTM, vgem, ...)
#   DIR/kbuild                    a kbuild tree for out-of-tree modules
#   DIR/.drm-mdl-ready            written last
set -euo pipefail

REPO=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
CACHE=${CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/drm-mdl}
SERIES=${1-}
REFRESH=0
[ "${2-}" = --refresh ] && REFRESH=1
say() { echo "debian-kernel: $*" >&2; }
die() {
	say "$*"
	exit 1
}

case $SERIES in
7.2 | 7.3) ;;
*) die "usage: tools/debian-kernel.sh 7.2|7.3 [--refresh]" ;;
esac

BASE=$CACHE/debian-kernel
APT=$BASE/apt-$SERIES
mkdir -p "$BASE"
exec 8>"$BASE/$SERIES.lock"
flock 8

newest_ready() {
	local dir
	for dir in $(ls -d "$BASE/$SERIES".*-amd64 2>/dev/null | sort -V -r); do
		[ -f "$dir/.drm-mdl-ready" ] && { echo "$dir"; return 0; }
	done
	return 1
}

if [ "$REFRESH" = 0 ] && dir=$(newest_ready); then
	echo "$dir"
	exit 0
fi

# Private apt state: the suites that carry the 7.x series, signed with the
# keys Debian 12 already trusts (debian-archive-keyring holds trixie's and
# forky's).
mkdir -p "$APT"/{lists/partial,archives/partial}
cat >"$APT/sources.list" <<'EOF'
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie-backports main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian forky main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian sid main
EOF
apt_opts=(-o "Dir::Etc::SourceList=$APT/sources.list" -o Dir::Etc::SourceParts=/dev/null
	-o "Dir::State::Lists=$APT/lists" -o "Dir::Cache=$APT" -o "Dir::Cache::Archives=$APT/archives"
	-o Dir::State::status=/dev/null -o APT::Architecture=amd64 -o Debug::NoLocking=1
	-o APT::Sandbox::User=root)
say "asking Debian's archive for the newest $SERIES build (private apt lists in $APT)"
apt-get "${apt_opts[@]}" -q update >"$APT/update.log" 2>&1 || {
	cat "$APT/update.log" >&2
	die "apt-get update failed (network?)"
}

# Upstream versions of linux-source-SERIES, newest first, with the Debian
# version that provides each.
sources=$(apt-cache "${apt_opts[@]}" madison "linux-source-$SERIES" |
	awk -F'|' '{ gsub(/ /, "", $2); print $2 }' | sort -u -V -r)
release=
src_version=
for version in $sources; do
	upstream=${version%%-*}
	for image in $(apt-cache "${apt_opts[@]}" pkgnames "linux-image-$upstream+deb" |
		sed -n "s/^linux-image-\($(echo "$upstream" | sed 's/\./\\./g')+deb[0-9]*-amd64\)\$/\1/p" | sort -V -r); do
		if apt-cache "${apt_opts[@]}" show "linux-headers-$image" >/dev/null 2>&1 &&
			apt-cache "${apt_opts[@]}" show "linux-modules-$image" >/dev/null 2>&1; then
			release=$image
			src_version=$version
			break 2
		fi
	done
done
[ -n "$release" ] || die "apt offers no linux-image-$SERIES.N+debNN-amd64 with headers, modules and a linux-source-$SERIES of the same version"

DIR=$BASE/$release
if [ -f "$DIR/.drm-mdl-ready" ]; then
	echo "$DIR"
	exit 0
fi
say "$SERIES test kernel: $release (linux-source-$SERIES $src_version)"
rm -rf "$DIR"
mkdir -p "$DIR/debs"
# Debian 13 split the image package: linux-image-REL is a meta package over
# linux-binary-REL (the vmlinuz) and linux-modules-REL.
pkgs=("linux-source-$SERIES=$src_version" "linux-headers-$release" "linux-modules-$release")
apt-cache "${apt_opts[@]}" show "linux-binary-$release" >/dev/null 2>&1 && pkgs+=("linux-binary-$release")
pkgs+=("linux-image-$release")
(cd "$DIR/debs" && apt-get "${apt_opts[@]}" -q download "${pkgs[@]}" >"$DIR/download.log" 2>&1) || {
	cat "$DIR/download.log" >&2
	die "apt-get download failed"
}
for deb in "$DIR"/debs/*.deb; do
	dpkg-deb -x "$deb" "$DIR/root"
done
rm -rf "$DIR/debs"

# The image: Debian 13's linux-binary puts it beside the modules, older
# packages under /boot.
image=$(ls "$DIR/root/usr/lib/modules/$release/vmlinuz" "$DIR/root/boot/vmlinuz-$release" 2>/dev/null | head -n 1 || true)
[ -n "$image" ] || die "no vmlinuz in Debian's $release packages"
ln -sf "${image#"$DIR"/}" "$DIR/vmlinuz"
mods=$(ls -d "$DIR/root/usr/lib/modules/$release" "$DIR/root/lib/modules/$release" 2>/dev/null | head -n 1 || true)
[ -n "$mods" ] || die "no modules in Debian's $release packages"
mkdir -p "$DIR/modroot/lib/modules"
ln -s "$mods" "$DIR/modroot/lib/modules/$release"

# The kbuild tree: Debian's configuration on Debian's source, prepared with
# this machine's compiler. The version suffix is Debian's, so that the
# module's vermagic names the image's release.
hdr=$DIR/root/usr/src/linux-headers-$release
[ -f "$hdr/.config" ] && [ -f "$hdr/Module.symvers" ] || die "no .config or Module.symvers in linux-headers-$release"
tarball=$(ls "$DIR"/root/usr/src/linux-source-"$SERIES".tar.* | head -n 1)
export MDL_KERNEL_SOURCE_TARBALL=$tarball MDL_KERNEL_SOURCE_STAMP="$src_version"
SRC=$("$REPO/tools/kernel-source.sh" "$SERIES")
upstream=${release%%+*}
localversion=${release#"$upstream"}
kbuild=$DIR/kbuild
mkdir -p "$kbuild"
cp "$hdr/.config" "$kbuild/.config"
cp "$hdr/Module.symvers" "$kbuild/Module.symvers"
say "preparing the kbuild tree in $kbuild (about a minute)"
make -s -C "$SRC" O="$kbuild" LOCALVERSION="$localversion" olddefconfig >"$DIR/prepare.log" 2>&1 &&
	make -s -C "$SRC" O="$kbuild" LOCALVERSION="$localversion" -j"$(nproc)" modules_prepare >>"$DIR/prepare.log" 2>&1 || {
	tail -n 30 "$DIR/prepare.log" >&2
	die "modules_prepare failed for $release (log: $DIR/prepare.log)"
}
got=$(cat "$kbuild/include/config/kernel.release")
[ "$got" = "$release" ] || die "the kbuild tree says $got, the image $release"
# The tree must not be rebuilt with other arguments later: external module
# builds read kernel.release from it.
rm -rf "$DIR/root/usr/share/doc"
echo "$release" >"$DIR/release"
echo "$src_version" >"$DIR/source-version"
touch "$DIR/.drm-mdl-ready"
say "ready: $release"
echo "$DIR"
