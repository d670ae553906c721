#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Prints a man page for mdlctl made from its own --help texts, so the two
# never disagree. Used by build-debs.sh.
#
#   packaging/mdlctl-man.sh MDLCTL VERSION > mdlctl.1
set -euo pipefail

mdlctl=$1
version=$2
date=$(date -u -d "@${SOURCE_DATE_EPOCH:-$(date +%s)}" +%Y-%m-%d)

# Help text as literal roff: escape backslashes, minus signs and leading dots.
roff() { sed -e 's/\\/\\e/g' -e 's/-/\\-/g' -e "s/^\([.']\)/\\\\\&\1/" | sed "s|$mdlctl|mdlctl|g"; }
# The help text minus its first line (the description) and the common footer.
body() { "$mdlctl" "$@" --help | sed -e '1d' -e '/^By default the PCI/,$d'; }

cat <<HEADER
.TH MDLCTL 1 "$date" "drm-mdl $version" "User Commands"
.SH NAME
mdlctl \\- allocate GPU\\-reachable system memory through drm\\-mdl
.SH SYNOPSIS
.B mdlctl
[\\fIOPTIONS\\fR] \\fICOMMAND\\fR [\\fICOMMAND OPTIONS\\fR]
.SH DESCRIPTION
mdlctl drives the drm\\-mdl kernel driver (mdl.ko) through its render node:
it lists the mdl devices, shows what a device offers, allocates pages with
a physical window, SkipBytes, flags and cache type and prints the physical
and DMA (IOMMU logical) address of every page, and proves with a DMA copy
that the device reaches the pages.
.PP
$("$mdlctl" --help | sed -n '/^By default the PCI/,$p' | roff | sed 's/$/\n.br/')
.SH OPTIONS
.nf
$("$mdlctl" --help | sed -n '/^Options:/,/^$/p' | sed '1d' | roff)
.fi
.SH COMMANDS
HEADER
for sub in $("$mdlctl" --help | awk '/^Subcommands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }'); do
	echo ".SS $sub"
	"$mdlctl" "$sub" --help | head -n 1 | roff
	echo ".nf"
	body "$sub" | roff
	echo ".fi"
done
cat <<'FOOTER'
.SH EXIT STATUS
0 on success, 1 when the command failed (the message on standard error
says why and what to try; with \-\-json a JSON error object is printed as
well), and 100 or more for a command line mdlctl could not parse.
.SH FILES
.TP
.I /dev/dri/renderD*
the render nodes; the caller needs read and write access (group render).
.SH SEE ALSO
.BR dkms (8),
.BR drm_info (1)
FOOTER
