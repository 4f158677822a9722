#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# deps.sh - install every Debian package dsm needs, idempotently.
#
#   deps.sh           install what is missing (needs root and apt)
#   deps.sh --check   only report what is missing; exit 1 if anything is
#
# Kernel packages are resolved at run time by kernels.sh: Debian bumps their
# ABI number, so their names are never written down.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)

# Packages by purpose. Keep Documentation/admin-guide.md in step.
PKGS=(
	# module build, both kernels (+ resolved headers below)
	build-essential kmod
	# lint: checkpatch.pl and kselftest_harness.h come from linux-source;
	# shellcheck for the scripts
	linux-source sparse perl shellcheck
	# make check-debug: a debug guest kernel from Debian's 6.1 source
	# (scripts/debug-kernel.sh)
	linux-source-6.1 bc bison flex libelf-dev libssl-dev patch
	# virtual cluster
	qemu-system-x86 vde2 busybox-static cpio xz-utils zstd
	# --transport rdma guests: iproute2's rdma tool; make bench's raw RDMA
	# latency (perftest) and libibverbs' soft-RoCE provider
	iproute2 perftest ibverbs-providers
	# userspace: netlink, peer authentication (nettle), tests, fuzzing
	libnl-3-dev libnl-genl-3-dev nettle-dev pkg-config clang libclang-rt-14-dev
	llvm jq valgrind
	# the protocol models (make model; Documentation/model.md)
	spin
	# docs and plots
	groff-base man-db gnuplot-nox
	# packages (make deb) and the DKMS build of make check; systemd for
	# systemd-analyze on dsmd.service
	dkms dh-dkms debhelper lintian systemd
)

installed() {
	[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = \
	  "install ok installed" ]
}

check_only=0
[ "${1:-}" = "--check" ] && check_only=1

missing=()
for p in "${PKGS[@]}"; do
	installed "$p" || missing+=("$p")
done

# Kernel headers: satisfied by installed headers of the version whose
# kernel image Debian still ships (the virtual cluster boots that image;
# Debian drops old ABI releases from the archive).
for v in $("$here/kernels.sh" versions); do
	if ! rel=$("$here/kernels.sh" release "$v" 2>/dev/null); then
		missing+=("@headers-$v")
	elif [ $check_only -eq 0 ] &&
	     ! apt-cache show "linux-image-$rel" >/dev/null 2>&1; then
		missing+=("@headers-$v")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	[ $check_only -eq 1 ] || echo "deps: everything is installed"
	exit 0
fi

if [ $check_only -eq 1 ]; then
	echo "deps: missing: ${missing[*]}" >&2
	echo "deps: run 'make deps' (as root) to install them" >&2
	exit 1
fi

[ "$(id -u)" -eq 0 ] || { echo "deps: must run as root to install: ${missing[*]}" >&2; exit 1; }

export DEBIAN_FRONTEND=noninteractive
echo "deps: updating apt lists"
apt-get update -q >/dev/null

resolved=()
for p in "${missing[@]}"; do
	case "$p" in
	@headers-*)
		v=${p#@headers-}
		pkg=$("$here/kernels.sh" header-pkg "$v")
		[ -n "$pkg" ] || { echo "deps: apt knows no headers for Linux $v" >&2; exit 1; }
		resolved+=("$pkg")
		# the 6.1 metapackage keeps the headers current
		[ "$v" = 6.1 ] && resolved+=(linux-headers-amd64)
		;;
	*) resolved+=("$p") ;;
	esac
done

echo "deps: installing ${resolved[*]}"
apt-get install -y -q --no-install-recommends "${resolved[@]}"
"$0" --check
