#!/bin/sh
# Installs every Debian package drm-mdl needs, and nothing when all are there.
# Runs `apt-get update` first on a fresh machine, where the lists are empty.
set -eu

PACKAGES="
bc bison busybox-static cmake cpio drm-info flex g++ gnuplot-nox googletest kmod
libbenchmark-dev libcli11-dev libdrm-dev libelf-dev libfmt-dev libgtest-dev
libssl-dev linux-headers-amd64 linux-image-amd64 linux-source-6.1 make
nlohmann-json3-dev pkg-config python3 qemu-system-x86 rsync sparse xz-utils
dkms dpkg-dev fakeroot python3-sphinx python3-sphinx-rtd-theme
"

missing=""
for pkg in $PACKAGES; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	case "$status" in
	*" installed") ;;
	*) missing="$missing $pkg" ;;
	esac
done

[ -z "$missing" ] && exit 0

echo "install-deps: installing$missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo >/dev/null; then
		echo "install-deps: missing packages and not root; as root run: apt-get install$missing" >&2
		exit 1
	fi
	SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
failed() {
	echo "install-deps: apt-get failed (see above); fix the cause (network, apt sources, a held" >&2
	echo "install-deps: package) and run tools/install-deps.sh again, or: apt-get install$missing" >&2
	exit 1
}
$SUDO apt-get update -q || failed
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing || failed
