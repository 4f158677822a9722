#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-module.sh KDIR [W=1] [C=1|2] - build dsm.ko against the headers in KDIR.
#
# Out-of-tree kbuild writes objects next to the sources and 6.1 has no
# separate output directory for external modules, so each kernel release
# gets a tree of symlinks to the sources under $BUILD/module/<release>/.
# Any compiler, sparse or modpost warning fails the build.
set -euo pipefail

SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${BUILD:-$SRCDIR/build}
kdir=${1:?usage: build-module.sh KDIR [W=1] [C=1]}
shift

[ -f "$kdir/Makefile" ] || {
	echo "build-module: no kernel headers in '$kdir'; run 'make deps'" >&2
	exit 1
}
# The release the module's vermagic will carry (Debian's kernel.release
# file holds the upstream version, not the ABI-suffixed release).
rel=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' \
	"$kdir/include/generated/utsrelease.h" 2>/dev/null)
[ -n "$rel" ] || rel=$(basename "$kdir")
out=$BUILD/module/$rel
mkdir -p "$out"
cp -asf "$SRCDIR/Kbuild" "$SRCDIR/kmod" "$SRCDIR/uapi" "$out/"
find "$out" -xtype l -delete

log=$out/build.log
echo "  MODULE  $rel $*"
if ! make -C "$kdir" M="$out" "$@" modules >"$log" 2>&1; then
	cat "$log" >&2
	echo "build-module: build against $rel failed" >&2
	exit 1
fi
if grep -E 'warning:|error:|WARNING:' "$log" >&2; then
	echo "build-module: warnings building against $rel (see above)" >&2
	exit 1
fi
ln -sf "kmod/dsm.ko" "$out/dsm.ko"
echo "  OK      $out/dsm.ko"
