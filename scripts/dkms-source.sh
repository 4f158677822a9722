#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dkms-source.sh DEST - copy what DKMS needs to build dsm.ko into DEST (the
# dsm-dkms package's /usr/src/dsm-<version>/, scripts/dkms-check.sh's
# scratch source tree): dkms.conf with PACKAGE_VERSION left for dh_dkms -V
# (or `--version V` fills it in), Kbuild, the module sources without their
# userspace tests and fuzzers, the uapi header and scripts/build-module.sh.
set -euo pipefail

SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
version=
if [ "${1:-}" = --version ]; then
	version=${2:?usage: dkms-source.sh [--version V] DEST}
	shift 2
fi
dest=${1:?usage: dkms-source.sh [--version V] DEST}

mkdir -p "$dest/scripts" "$dest/uapi/linux"
install -m 0644 "$SRCDIR/dkms.conf" "$SRCDIR/Kbuild" "$dest/"
install -m 0755 "$SRCDIR/scripts/build-module.sh" "$dest/scripts/"
install -m 0644 "$SRCDIR/uapi/linux/dsm.h" "$dest/uapi/linux/"
(cd "$SRCDIR" && find kmod \( -path kmod/core/tests -o -path kmod/core/fuzz \) \
	-prune -o -type f \( -name '*.[ch]' -o -name Kbuild \) -print) |
	while read -r f; do
		install -D -m 0644 "$SRCDIR/$f" "$dest/$f"
	done
if [ -n "$version" ]; then
	sed -i "s/#MODULE_VERSION#/$version/" "$dest/dkms.conf"
fi
