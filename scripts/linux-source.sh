#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# linux-source.sh - extract what dsm takes from Debian's linux-source
# package into $BUILD/linux-source (once): kselftest_harness.h and
# kselftest.h for the tests, checkpatch.pl and its data for lint.
# Prints the directory.
set -euo pipefail

SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${BUILD:-$SRCDIR/build}
out=$BUILD/linux-source

if [ -f "$out/.done" ]; then
	echo "$out"
	exit 0
fi
tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1)
[ -n "$tarball" ] || {
	echo "linux-source.sh: no /usr/src/linux-source-*.tar.xz; run 'make deps'" >&2
	exit 1
}
top=$(basename "$tarball" .tar.xz)
rm -rf "$out" && mkdir -p "$out"
tar -C "$out" --strip-components=1 -xJf "$tarball" \
	"$top/tools/testing/selftests/kselftest_harness.h" \
	"$top/tools/testing/selftests/kselftest.h" \
	"$top/scripts/checkpatch.pl" \
	"$top/scripts/spelling.txt" \
	"$top/scripts/const_structs.checkpatch" \
	"$top/Documentation/userspace-api/ioctl/ioctl-number.rst" >&2
touch "$out/.done"
echo "$out"
