#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dkms-check.sh - `make check`'s dkms stage: `dkms add` and `dkms build` of
# dsm for every supported kernel whose headers are installed (kernels.sh),
# in a scratch DKMS tree under $BUILD/dkms, as the dsm-dkms package's
# postinst would; then check that dsm.ko and dsm_rdma.ko came out for each
# (both supported kernels have InfiniBand: dkms.conf). Build only:
# nothing is installed into /lib/modules, nothing is loaded. Modules are
# signed with a scratch key (not /var/lib/dkms/mok.key). Prints TAP.
#
#   dkms-check.sh [VERSION...]   only those kernels (6.1, 6.12: as
#                                kernels.sh names them); make check
#                                builds the newest, check-full each
set -euo pipefail

SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${BUILD:-$SRCDIR/build}
kernels=$SRCDIR/scripts/kernels.sh

command -v dkms >/dev/null || { echo "dkms-check: dkms is not installed; run 'make deps'" >&2; exit 1; }
version=$(sed -n 's/^#define DSM_MODULE_VERSION\t*"\(.*\)"$/\1/p' \
	"$SRCDIR/kmod/dsm_internal.h")
[ -n "$version" ] || { echo "dkms-check: no DSM_MODULE_VERSION in kmod/dsm_internal.h" >&2; exit 1; }

read -ra versions <<< "$("$kernels" versions)"
if [ $# -gt 0 ]; then
	for v in "$@"; do
		[[ " ${versions[*]} " == *" $v "* ]] ||
			{ echo "dkms-check: no supported kernel '$v' (kernels.sh: ${versions[*]})" >&2; exit 2; }
	done
	versions=("$@")
fi

scratch=$BUILD/dkms
rm -rf "$scratch"
mkdir -p "$scratch/src" "$scratch/tree" "$scratch/install"
"$SRCDIR/scripts/dkms-source.sh" --version "$version" "$scratch/src/dsm-$version"
trees=(--dkmstree "$scratch/tree" --sourcetree "$scratch/src"
       --installtree "$scratch/install")
# Read by dkms's prepare_signing() unless /etc/dkms/framework.conf sets them.
export mok_signing_key=$scratch/mok.key mok_certificate=$scratch/mok.pub

dkms add -m dsm -v "$version" "${trees[@]}"
echo "1..$((2 * ${#versions[@]}))"
n=0 rc=0

# check_ko REL MODDIR NAME: NAME.ko* built for REL (vermagic), as TAP.
check_ko() {
	local ko
	n=$((n + 1))
	ko=$(find "$2" -name "$3.ko*" 2>/dev/null | head -n 1)
	if [ -n "$ko" ] && grep -q "^$1 " < <(modinfo -F vermagic "$ko"); then
		echo "ok $n dkms build dsm $version for $1: ${ko#"$scratch"/}"
	else
		echo "not ok $n dkms build dsm $version for $1 # no $3.ko with vermagic $1 in ${2#"$scratch"/}"
		rc=1
	fi
}

for v in "${versions[@]}"; do
	rel=$("$kernels" release "$v")
	kdir=$("$kernels" kdir "$v")
	# dkms compresses them as the kernel does its own (6.12: dsm.ko.xz).
	mod=$scratch/tree/dsm/$version/$rel/$(uname -m)/module
	if ! dkms build -m dsm -v "$version" -k "$rel" --kernelsourcedir "$kdir" \
		"${trees[@]}"; then
		log=$scratch/tree/dsm/$version/build/make.log
		[ -f "$log" ] && tail -n 30 "$log" | sed 's/^/# /'
	fi
	check_ko "$rel" "$mod" dsm
	# Both supported kernels have InfiniBand (dkms.conf's condition).
	check_ko "$rel" "$mod" dsm_rdma
done
exit $rc
