#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# pkg-check.sh - `make check`'s packages stage: build the Debian packages
# (scripts/deb.sh: dpkg-buildpackage, then lintian without errors), unpack
# them into a scratch root ($BUILD/deb/root, dpkg -x: no maintainer script
# runs, nothing touches the host) and check, printing TAP:
#   - each package's files and links against debian/contents/PKG.list
#     (@VERSION@ the package version, @MULTIARCH@ the multiarch triplet,
#     @KMOD_SOURCES@ every .c, .h and Kbuild of kmod/ but its userspace
#     tests and fuzzers): a file missing or unexpected fails;
#   - the packaged dsmctl's exit codes (dsmctl(8), EXIT STATUS);
#   - a program built against the packaged libdsm with pkg-config, shared
#     and static;
#   - the packaged dsmd.service: systemd-analyze verify, and
#     systemd-analyze security at most 2.0 (Documentation/admin-guide.md).
set -uo pipefail

SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${BUILD:-$SRCDIR/build}
out=$BUILD/deb
root=$out/root
n=0
fails=0

ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		fails=$((fails + 1))
	fi
}

if ! "$SRCDIR/scripts/deb.sh"; then
	echo "not ok 1 packages built, lintian without errors"
	exit 1
fi
ok 0 "packages built, lintian without errors"

version=$(dpkg-parsechangelog -l "$SRCDIR/debian/changelog" -S Version)
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
kmod_sources=$(cd "$SRCDIR" && find kmod \( -path kmod/core/tests -o \
	-path kmod/core/fuzz \) -prune -o -type f \
	\( -name '*.[ch]' -o -name Kbuild \) -print | sed 's|^kmod/||')

rm -rf "$root"
mkdir -p "$root"
for list in "$SRCDIR"/debian/contents/*.list; do
	pkg=$(basename "$list" .list)
	debs=("$out/${pkg}_${version}_"*.deb)
	deb=${debs[0]}
	if [ ! -f "$deb" ]; then
		ok 1 "$pkg: no package"
		continue
	fi
	dpkg -x "$deb" "$root"
	while read -r line; do
		case "$line" in
		*@KMOD_SOURCES@)
			for f in $kmod_sources; do
				echo "${line%@KMOD_SOURCES@}$f"
			done ;;
		*) echo "$line" ;;
		esac
	done < "$list" | sed "s|@VERSION@|$version|g; s|@MULTIARCH@|$ma|g" |
		sort > "$out/$pkg.expected"
	dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {
		l = $6; if ($7 == "->") l = l " -> " $8; print l }' |
		sed 's|^\./|/|' | sort > "$out/$pkg.actual"
	if diff -u "$out/$pkg.expected" "$out/$pkg.actual" > "$out/$pkg.diff"; then
		ok 0 "$pkg: $(wc -l < "$out/$pkg.actual") files as debian/contents/$pkg.list"
	else
		sed 's/^/# /' "$out/$pkg.diff"
		ok 1 "$pkg: files differ from debian/contents/$pkg.list (- missing, + unexpected)"
	fi
done

# dsmctl's exit codes, from the package (libraries from the host).
dsmctl=$root/usr/sbin/dsmctl
expect_status() {
	local want=$1 got
	shift
	"$dsmctl" "$@" >/dev/null 2>&1
	got=$?
	[ "$got" -eq "$want" ] || echo "# dsmctl $*: exit status $got, not $want"
	[ "$got" -eq "$want" ]
}
key=$out/scratch.key
rm -f "$key"
rc=0
expect_status 0 -V || rc=1
expect_status 0 help || rc=1
expect_status 2 || rc=1
expect_status 2 no-such-object || rc=1
expect_status 2 key || rc=1
expect_status 0 key generate "$key" || rc=1
expect_status 1 key generate "$key" || rc=1
# The module is never loaded on the build machine.
[ -d /sys/module/dsm ] || expect_status 3 node list || rc=1
ok $rc "packaged dsmctl: exit codes 0, 1, 2, 3 as dsmctl(8) says"
rm -f "$key"

# A program built against the packaged libdsm, found by pkg-config.
export PKG_CONFIG_SYSROOT_DIR=$root PKG_CONFIG_LIBDIR=$root/usr/lib/$ma/pkgconfig
rc=0
# shellcheck disable=SC2046 # pkg-config prints words
cc -o "$out/dsm_sum" "$SRCDIR/tools/lib/examples/dsm_sum.c" \
	$(pkg-config --cflags --libs dsm) || rc=1
grep -q 'NEEDED.*\[libdsm\.so\.1\]' < <(readelf -d "$out/dsm_sum" 2>/dev/null) || rc=1
# shellcheck disable=SC2046
cc -static -o "$out/dsm_sum.static" "$SRCDIR/tools/lib/examples/dsm_sum.c" \
	$(pkg-config --static --cflags --libs dsm) || rc=1
ok $rc "libdsm-dev: a program links with pkg-config dsm (shared: NEEDED libdsm.so.1; static)"
unset PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_LIBDIR

# verify checks that the programs exist: point it at the packaged dsmd
# (--root would want a whole system: sysinit.target, /sbin/modprobe).
unit=$root/lib/systemd/system/dsmd.service
mkdir -p "$out/verify"
sed "s|/usr/sbin/dsmd|$root/usr/sbin/dsmd|g" "$unit" > "$out/verify/dsmd.service"
systemd-analyze verify --man=no "$out/verify/dsmd.service" > "$out/verify.log" 2>&1
rc=$?
grep -v '^$' "$out/verify.log" | sed 's/^/# /'
ok $rc "dsmd.service: systemd-analyze verify"
systemd-analyze security --offline=yes --threshold=20 "$unit" > "$out/security.log" 2>&1
rc=$?
tail -n 1 "$out/security.log" | sed 's/^/# /'
ok $rc "dsmd.service: systemd-analyze security at most 2.0"

echo "1..$n"
[ "$fails" -eq 0 ]
