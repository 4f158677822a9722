#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# deb.sh - `make deb`: the Debian packages dsm-dkms, dsm-utils, libdsm1
# and libdsm-dev, built by dpkg-buildpackage -us -uc -b from debian/ on a
# copy of the source tree (the tree itself stays clean), into $BUILD/deb;
# then lintian, which must report no error (warnings are printed; the ones
# that remain are explained in Documentation/admin-guide.md, "Packages").
set -euo pipefail

SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${BUILD:-$SRCDIR/build}
out=$BUILD/deb

version=$(dpkg-parsechangelog -l "$SRCDIR/debian/changelog" -S Version)
modver=$(sed -n 's/^#define DSM_MODULE_VERSION\t*"\(.*\)"$/\1/p' \
	"$SRCDIR/kmod/dsm_internal.h")
if [ "${version%%-*}" != "$modver" ]; then
	echo "deb: debian/changelog says $version, kmod/dsm_internal.h DSM_MODULE_VERSION $modver; make them agree" >&2
	exit 1
fi

rm -rf "$out"
mkdir -p "$out/src/dsm-$version"
# Everything but the build output and git's files.
tar -C "$SRCDIR" --exclude=./build --exclude=./.git -cf - . |
	tar -C "$out/src/dsm-$version" -xf -
(cd "$out/src/dsm-$version" &&
	dpkg-buildpackage -us -uc -b) > "$out/build.log" 2>&1 || {
	tail -n 40 "$out/build.log" >&2
	echo "deb: dpkg-buildpackage failed; see $out/build.log" >&2
	exit 1
}
mv "$out"/src/*.deb "$out"/src/*.changes "$out"/src/*.buildinfo "$out/"
rm -rf "$out/src"
ls -1 "$out"/*.deb

# lintian: errors fail, warnings and infos are shown.
if lintian --fail-on error --info "$out"/*.changes > "$out/lintian.log" 2>&1; then
	rc=0
else
	rc=1
fi
cat "$out/lintian.log"
[ "$rc" -eq 0 ] || { echo "deb: lintian reports errors" >&2; exit 1; }
echo "deb: $(grep -c '^E:' "$out/lintian.log" || true) lintian errors," \
	"$(grep -c '^W:' "$out/lintian.log" || true) warnings"
