#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# `make deb` (also `make dkms-deb`): builds two Debian packages into
# build/deb/ with dpkg-deb, no debhelper needed:
#
#   mdl-dkms   the module source in /usr/src/mdl-<version>/; its postinst
#              lets dkms build and install mdl.ko for the installed kernels
#              whose headers are present (Debian's common.postinst, as
#              dh_dkms packages do), and its prerm removes it again
#   mdl-tools  /usr/bin/mdlctl (from build/tools, `make tools`), the uAPI
#              header /usr/include/drm/mdl_drm.h, mdlctl's bash completion
#              and a man page made from its --help
#
# The version is dkms.conf's PACKAGE_VERSION. Runs lintian on the result
# when it is installed (informational; its tags are printed, not fatal).
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=$TOP/build/deb
MDLCTL=${MDLCTL:-$TOP/build/tools/mdlctl}

die() { echo "build-debs: $*" >&2; exit 1; }

for tool in dpkg-deb dpkg-shlibdeps fakeroot; do
	command -v "$tool" >/dev/null ||
		die "$tool is missing: run tools/install-deps.sh (it installs dpkg-dev and fakeroot)"
done
[ -x "$MDLCTL" ] || die "$MDLCTL does not exist: build it with 'make tools' (make deb does that first)"

version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$TOP/dkms.conf")
[ -n "$version" ] || die "no PACKAGE_VERSION=\"...\" in dkms.conf: restore it (git diff dkms.conf)"
arch=$(dpkg --print-architecture)
maintainer="${DEBFULLNAME:-$(git -C "$TOP" config user.name || echo drm-mdl maintainers)} <${DEBEMAIL:-$(git -C "$TOP" config user.email || echo root@localhost)}>"
# Reproducible: dates and mtimes come from the last commit.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$TOP" log -1 --format=%ct 2>/dev/null || date +%s)}
changelog_date=$(date -u -R -d "@$SOURCE_DATE_EPOCH")

"$TOP/packaging/check-completion.sh" "$MDLCTL" >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/mdl-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$OUT"

# /usr/share/doc/PKG: copyright and changelog.gz, which lintian asks for.
doc_files() { # pkgroot package
	local doc=$1/usr/share/doc/$2
	install -d "$doc"
	install -m 0644 "$TOP/packaging/copyright" "$doc/copyright"
	cat >"$work/changelog" <<CHANGELOG
drm-mdl ($version) unstable; urgency=medium

  * drm-mdl $version, packaged from the drm-mdl repository.

 -- $maintainer  $changelog_date
CHANGELOG
	gzip -9n <"$work/changelog" >"$doc/changelog.gz"
	chmod 0644 "$doc/changelog.gz"
}

finish() { # pkgroot package: normalise modes, md5sums, build the .deb
	local root=$1 pkg=$2 deb
	find "$root" -path "$root/DEBIAN" -prune -o -type d -exec chmod 0755 {} + -o \
		-type f ! -perm -u+x -exec chmod 0644 {} +
	(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' |
		LC_ALL=C sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
	chmod 0644 "$root/DEBIAN/md5sums"
	find "$root" -newermt "@$SOURCE_DATE_EPOCH" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
	deb=$OUT/${pkg}_${version}_$(sed -n 's/^Architecture: //p' "$root/DEBIAN/control").deb
	dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
	echo "$deb"
}

# ---- mdl-dkms ----
root=$work/mdl-dkms
install -d "$root/DEBIAN" "$root/usr/src"
"$TOP/packaging/dkms-source.sh" "$root/usr/src" >/dev/null
doc_files "$root" mdl-dkms
size=$(du -k -s --exclude=DEBIAN "$root" | cut -f1)
cat >"$root/DEBIAN/control" <<CONTROL
Package: mdl-dkms
Version: $version
Architecture: all
Maintainer: $maintainer
Installed-Size: $size
Depends: dkms (>= 2.1.0.0)
Section: kernel
Priority: optional
Description: drm-mdl kernel module (mdl.ko) in DKMS source form
 drm-mdl allocates zero-filled system pages inside physical address windows
 (with SkipBytes iteration), describes them as a memory descriptor list and
 maps them on a device through the DMA API, all or nothing, like Windows'
 DxgkCbAllocatePagesForMdl. It offers this as an in-kernel API and as DRM
 ioctls on a render node.
 .
 This package installs the source in /usr/src/mdl-$version; DKMS builds
 the module for every installed kernel whose headers are present (install
 linux-headers-amd64 or linux-headers-\$(uname -r) first).
CONTROL
sed "s/@VERSION@/$version/g" "$TOP/packaging/mdl-dkms.postinst" >"$root/DEBIAN/postinst"
sed "s/@VERSION@/$version/g" "$TOP/packaging/mdl-dkms.prerm" >"$root/DEBIAN/prerm"
chmod 0755 "$root/DEBIAN/postinst" "$root/DEBIAN/prerm"
dkms_deb=$(finish "$root" mdl-dkms)

# ---- mdl-tools ----
root=$work/mdl-tools
install -d "$root/DEBIAN" "$root/usr/bin" "$root/usr/include/drm" \
	"$root/usr/share/bash-completion/completions" "$root/usr/share/man/man1"
install -m 0755 "$MDLCTL" "$root/usr/bin/mdlctl"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/bin/mdlctl"
install -m 0644 "$TOP/include/uapi/drm/mdl_drm.h" "$root/usr/include/drm/mdl_drm.h"
install -m 0644 "$TOP/tools/completion/mdlctl.bash" \
	"$root/usr/share/bash-completion/completions/mdlctl"
"$TOP/packaging/mdlctl-man.sh" "$MDLCTL" "$version" | gzip -9n >"$root/usr/share/man/man1/mdlctl.1.gz"
doc_files "$root" mdl-tools
# dpkg-shlibdeps wants a debian/control to sit in; a throwaway one will do.
mkdir -p "$work/shlibs/debian"
printf 'Source: drm-mdl\n\nPackage: mdl-tools\nArchitecture: any\n' >"$work/shlibs/debian/control"
depends=$(cd "$work/shlibs" && dpkg-shlibdeps -O "$root/usr/bin/mdlctl" 2>/dev/null |
	sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || die "dpkg-shlibdeps found no dependencies for mdlctl; run it by hand: (cd $work/shlibs && dpkg-shlibdeps -O $root/usr/bin/mdlctl)"
size=$(du -k -s --exclude=DEBIAN "$root" | cut -f1)
cat >"$root/DEBIAN/control" <<CONTROL
Package: mdl-tools
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $size
Depends: $depends
Recommends: mdl-dkms (= $version), bash-completion
Suggests: linux-libc-dev
Section: utils
Priority: optional
Description: drm-mdl command line tool and user-space API header
 drm-mdl allocates GPU-reachable system memory with the rules of Windows'
 DxgkCbAllocatePagesForMdl: physical address windows, SkipBytes, cache
 type, all or nothing, mapped on the device through its IOMMU.
 .
 This package contains mdlctl, which lists mdl devices, shows what they
 offer, allocates with any window, flags and cache type and prints the
 physical and DMA address of every page, and proves with a DMA copy that
 the device reaches the pages; the uAPI header <drm/mdl_drm.h>; and bash
 completion for mdlctl.
CONTROL
tools_deb=$(finish "$root" mdl-tools)

echo "build-debs: $dkms_deb"
echo "build-debs: $tools_deb"
if command -v lintian >/dev/null; then
	tags=$(lintian --tag-display-limit 0 "$dkms_deb" "$tools_deb" 2>&1 |
		grep -v 'running with root privileges' || true)
	echo "build-debs: lintian: ${tags:-no tags}"
else
	echo "build-debs: lintian is not installed; apt-get install lintian to check the packages"
fi
echo "build-debs: install with: apt-get install $OUT/mdl-dkms_${version}_all.deb $OUT/mdl-tools_${version}_${arch}.deb"
