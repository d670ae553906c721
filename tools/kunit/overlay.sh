#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Sourced by tools/kunit/run-kunit.sh and tools/bench/uml.sh: overlays the
# driver, its headers and the KUnit suites into the unpacked 6.1 tree and
# hooks drivers/gpu/drm/mdl into its Kconfig and Makefile. One copy of the
# rsync filters and hooks, so the two builds never fight over the tree.
# Files are compared by content (-c) and copied without their timestamps
# (no -t): an unchanged file keeps its old one, so rebuilds stay
# incremental, and a changed one is newer than every object built from it,
# also when the checkout went back to an older commit, whose files carry
# older times than the objects in the cache.
#
#   mdl_overlay_driver SRC TOP

mdl_overlay_driver() {
	local src=$1 top=$2
	local drm=$src/drivers/gpu/drm

	# One tree, one build at a time: `make kunit` and the UML benchmark
	# of one series share it, and a second run would overlay other
	# sources under the first one's build. Held until the caller exits.
	exec 8>"$src.lock"
	if ! flock -n 8; then
		echo "overlay: another run uses $src; waiting for it" >&2
		flock 8
	fi

	rsync -rlpc --delete --exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
		--exclude='*.mod.c' --exclude='.*.cmd' --exclude='mdl_compat_probed.h*' --exclude='modules.order' \
		--exclude='tests/' \
		"$top/drivers/gpu/drm/mdl/" "$drm/mdl/"
	mkdir -p "$drm/mdl/tests"
	rsync -rlpc --delete --include='*.c' --include='*.h' --exclude='*' \
		"$top/kunit/" "$drm/mdl/tests/"
	rsync -rlpc "$top"/include/drm/drm_mdl*.h "$src/include/drm/"
	rsync -rlpc "$top/include/uapi/drm/mdl_drm.h" "$src/include/uapi/drm/mdl_drm.h"

	# After the last driver Kconfig, before the menu ends.
	grep -q 'drm/mdl/Kconfig' "$drm/Kconfig" ||
		sed -i 's|^source "drivers/gpu/drm/sprd/Kconfig"|&\n\nsource "drivers/gpu/drm/mdl/Kconfig"|' "$drm/Kconfig"
	grep -q 'CONFIG_DRM_MDL)' "$drm/Makefile" ||
		echo 'obj-$(CONFIG_DRM_MDL) += mdl/' >> "$drm/Makefile"
	if ! grep -q 'drm/mdl/Kconfig' "$drm/Kconfig"; then
		echo "overlay: could not hook drivers/gpu/drm/mdl into $drm/Kconfig" >&2
		return 1
	fi
}
