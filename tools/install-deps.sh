#!/bin/sh
# Installs every Debian package drm-mdl needs, and nothing when all are there.
# Runs `apt-get update` first on a fresh machine, where the lists are empty.
#
# Two test kernels: Debian 12's own 6.1 (linux-image-amd64 and friends) and
# 6.12, the kernel of Debian 13, which Debian 12 gets from bookworm-backports
# (and, for the newest builds, bookworm-security). Those suites keep only
# their newest builds, so the 6.12 ABI is looked up, never hard-coded: the
# newest "6.12.N+deb12-amd64" for which apt offers both image and headers.
# The packages go in by exact name; `apt-get -t bookworm-backports` would
# also move the linux-headers-amd64 meta package to 6.12.
set -eu

PACKAGES="
bc bison busybox-static cmake cpio drm-info flex g++ gnuplot-nox googletest kmod
libbenchmark-dev libcli11-dev libdrm-dev libelf-dev libfmt-dev libgtest-dev
libssl-dev linux-headers-amd64 linux-image-amd64 linux-source-6.1
linux-source-6.12 make
nlohmann-json3-dev pkg-config python3 qemu-system-x86 rsync sparse xz-utils
dkms dpkg-dev fakeroot python3-sphinx python3-sphinx-rtd-theme
"
BACKPORTS=/etc/apt/sources.list.d/drm-mdl-bookworm-backports.sources

installed() { # package
	case "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" in
	*" installed") return 0 ;;
	esac
	return 1
}

# A 6.12 test kernel is present when some 6.12.N+deb12-amd64 has both its
# image and its headers installed.
have_612() {
	for dir in /lib/modules/6.12.*+deb12-amd64; do
		[ -d "$dir" ] || continue
		abi=${dir##*/}
		installed "linux-image-$abi" && installed "linux-headers-$abi" && return 0
	done
	return 1
}

missing=""
for pkg in $PACKAGES; do
	installed "$pkg" || missing="$missing $pkg"
done
need_612=0
have_612 || need_612=1
need_backports=0
[ -f "$BACKPORTS" ] || need_backports=1

[ -z "$missing" ] && [ "$need_612" = 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo >/dev/null; then
		echo "install-deps: missing packages and not root; as root run tools/install-deps.sh (wanted:$missing$([ "$need_612" = 1 ] && echo " a 6.12+deb12 kernel"))" >&2
		exit 1
	fi
	SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
failed() {
	echo "install-deps: apt-get failed (see above); fix the cause (network, apt sources, a held" >&2
	echo "install-deps: package) and run tools/install-deps.sh again" >&2
	exit 1
}

if [ "$need_backports" = 1 ]; then
	echo "install-deps: adding Debian's bookworm-backports suite ($BACKPORTS)"
	$SUDO tee "$BACKPORTS" >/dev/null <<'SOURCES'
# Added by drm-mdl's tools/install-deps.sh for the 6.12 test kernel.
# Backports is pinned low by Debian (priority 100): nothing upgrades from it
# unless asked for by exact package name.
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
fi
$SUDO apt-get update -q || failed

if [ "$need_612" = 1 ]; then
	abi=$(apt-cache pkgnames linux-image-6.12. |
		sed -n 's/^linux-image-\(6\.12\.[0-9]*+deb12-amd64\)$/\1/p' | sort -V -r |
		while read -r candidate; do
			if apt-cache show "linux-headers-$candidate" >/dev/null 2>&1; then
				echo "$candidate"
				break
			fi
		done)
	if [ -z "$abi" ]; then
		echo "install-deps: apt offers no linux-image-6.12.*+deb12-amd64 with matching headers;" >&2
		echo "install-deps: is bookworm-backports in the apt sources ($BACKPORTS)?" >&2
		exit 1
	fi
	echo "install-deps: 6.12 test kernel: $abi"
	missing="$missing linux-image-$abi linux-headers-$abi"
fi

echo "install-deps: installing$missing"
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing || failed
