#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kernels.sh - resolve the supported Debian kernels at run time.
#
# Debian bumps the ABI number of its kernel packages (6.1.0-56, 6.12.117+deb12
# ...), so no package name is written down anywhere in the project: this
# script finds them, from what is installed or from apt's lists.
#
#   kernels.sh versions          the supported versions: "6.1 6.12"
#   kernels.sh release V         release of the installed headers for V
#                                (e.g. 6.1.0-56-amd64), newest first
#   kernels.sh kdir V            /usr/src/linux-headers-<release>
#   kernels.sh default-kdir      running kernel's build dir if it has one,
#                                else the 6.1 headers
#   kernels.sh header-pkg V      the headers package apt would install for V
set -euo pipefail

VERSIONS="6.1 6.12"

die() { echo "kernels.sh: $*" >&2; exit 1; }

# Glob of the Debian release string for a version.
pattern() {
	case "$1" in
	6.1) echo '6.1.0-*-amd64' ;;
	6.12) echo '6.12.*+deb12-amd64' ;;
	*) die "unsupported kernel version '$1' (supported: $VERSIONS)" ;;
	esac
}

release() {
	local pat d best=""
	pat=$(pattern "$1")
	for d in /usr/src/linux-headers-$pat; do
		[ -f "$d/Makefile" ] || continue
		best="$best ${d#/usr/src/linux-headers-}"
	done
	[ -n "$best" ] || die "no headers for Linux $1 installed; run 'make deps'"
	# shellcheck disable=SC2086
	printf '%s\n' $best | sort -V | tail -n 1
}

header_pkg() {
	local pat
	case "$1" in
	6.1)
		apt-cache depends linux-headers-amd64 2>/dev/null |
			sed -n 's/.*Depends: \(linux-headers-6\.1\.0-[0-9]*-amd64\)$/\1/p' |
			sort -V | tail -n 1 ;;
	6.12)
		pat='^linux-headers-6\.12\.[0-9]+\+deb12-amd64$'
		apt-cache search --names-only "$pat" 2>/dev/null |
			awk '{print $1}' | sort -V | tail -n 1 ;;
	*) die "unsupported kernel version '$1' (supported: $VERSIONS)" ;;
	esac
}

case "${1:-}" in
versions) echo "$VERSIONS" ;;
release) release "${2:?version}" ;;
kdir) echo "/usr/src/linux-headers-$(release "${2:?version}")" ;;
default-kdir)
	if [ -d "/lib/modules/$(uname -r)/build" ]; then
		readlink -f "/lib/modules/$(uname -r)/build"
	else
		echo "/usr/src/linux-headers-$(release 6.1 2>/dev/null || echo MISSING-6.1)"
	fi ;;
header-pkg) header_pkg "${2:?version}" ;;
*) die "usage: kernels.sh versions|release V|kdir V|default-kdir|header-pkg V" ;;
esac
