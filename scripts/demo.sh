#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh - `make demo`: set up what is missing, build, boot a 3-node
# virtual cluster and show dsm at work on it. What it shows grows with dsm;
# see README.md.
set -euo pipefail

SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${BUILD:-$SRCDIR/build}
export SRCDIR BUILD
KVER=${KVER:-6.1}

if ! "$SRCDIR/scripts/deps.sh" --check 2>/dev/null; then
	"$SRCDIR/scripts/deps.sh"
fi
echo "demo: building dsm.ko for Linux $KVER and the tools"
"$SRCDIR/scripts/build-module.sh" "$("$SRCDIR/scripts/kernels.sh" kdir "$KVER")" >/dev/null
make -s -C "$SRCDIR" tools >/dev/null	# also the applications
echo "demo: booting 3 nodes (QEMU, software emulation: about 30 s)"
exec "$SRCDIR/tools/vcluster/vcluster" run -n 3 -k "$KVER" \
	--copy "$SRCDIR/tools/vcluster/demo-node.sh" -- sh demo-node.sh
