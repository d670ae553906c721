#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Stages the DKMS source of mdl.ko, the tree that the mdl-dkms package
# installs as /usr/src/mdl-<version>/, and prints its path.
#
#   packaging/dkms-source.sh DESTDIR      creates DESTDIR/mdl-<version>/
#
# Only what the out-of-tree build reads goes in: dkms.conf, Kbuild, the
# driver's Kconfig, Makefile and sources, and the headers under include/.
# Build products and the KUnit suites (built only inside a kernel tree with
# CONFIG_DRM_MDL_KUNIT_TEST=y) stay out.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
dest=${1:-}
if [ -z "$dest" ]; then
	echo "usage: packaging/dkms-source.sh DESTDIR" >&2
	exit 2
fi

version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$TOP/dkms.conf")
if [ -z "$version" ]; then
	echo "dkms-source: no PACKAGE_VERSION=\"...\" line in $TOP/dkms.conf; restore it from git (git diff dkms.conf)" >&2
	exit 1
fi

out=$dest/mdl-$version
rm -rf "$out"
mkdir -p "$out"
cp "$TOP/dkms.conf" "$TOP/Kbuild" "$out/"
# rsync filters: keep the directories on the way, Kconfig/Makefile, C
# sources and headers and the scripts the build runs (the interface probe,
# mdl_compat_probe.sh), drop generated files (*.mod.c, the probe's
# mdl_compat_probed.h) and everything else.
rsync -a --prune-empty-dirs \
	--exclude='*.mod.c' --exclude='mdl_compat_probed.h*' --exclude='tests/' \
	--include='*/' --include='Kconfig' --include='Makefile' \
	--include='*.c' --include='*.h' --include='*.sh' --exclude='*' \
	"$TOP/drivers" "$TOP/include" "$out/"
echo "$out"
