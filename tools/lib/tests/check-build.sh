#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check-build.sh O - checks of libdsm as built in O, TAP output: the
# shared library exports exactly the API and needs only libc, its soname,
# the header in C99 and C++ (a C++ program linked with libdsm.so runs),
# the static example, the man page. Exit status 0 if all passed.
set -uo pipefail

O=${1:?usage: check-build.sh BUILDDIR}
HERE=$(cd "$(dirname "$0")/.." && pwd)
SRCDIR=${SRCDIR:-$(cd "$HERE/../.." && pwd)}
CC=${CC:-gcc}
CXX=${CXX:-g++}
FUNCS="dsm_barrier dsm_init dsm_lock_acquire dsm_lock_release dsm_map dsm_node_id dsm_nodes dsm_region_barrier dsm_region_lock_acquire dsm_region_lock_release"
n=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { # ok STATUS NAME [DIAG]
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n $2"
	else
		failed=$((failed + 1))
		echo "not ok $n $2"
		[ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/# /'
	fi
}

echo "TAP version 13"
echo "1..8"

got=$(nm -D --defined-only "$O/libdsm.so" | awk '$2 == "T" { print $3 }' |
	sed 's/@.*//' | sort | tr '\n' ' ' | sed 's/ $//')
[ "$got" = "$FUNCS" ]
ok $? "libdsm.so exports exactly the API" "exports: $got"

soname=$(readelf -d "$O/libdsm.so.1.1.0" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = libdsm.so.1 ] && [ "$(readlink "$O/libdsm.so.1")" = libdsm.so.1.1.0 ] &&
	[ "$(readlink "$O/libdsm.so")" = libdsm.so.1 ]
ok $? "soname libdsm.so.1, links libdsm.so -> libdsm.so.1 -> libdsm.so.1.1.0" \
	"soname: $soname"

needed=$(readelf -d "$O/libdsm.so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
[ "$needed" = "libc.so.6 " ]
ok $? "libdsm.so needs only libc" "needs: $needed"

printf '#include <dsm.h>\nint main(void) { return dsm_init() == 0; }\n' > "$tmp/c99.c"
out=$("$CC" -std=c99 -pedantic -Wall -Wextra -Werror -I"$HERE" -fsyntax-only \
	"$tmp/c99.c" 2>&1)
ok $? "dsm.h is strict C99" "$out"

# A C++ program linked with the shared library runs; on this machine there
# is no /dev/dsm (the module never loads here), so dsm_init says ENOENT and
# every other call EBADF. (No "ldd | grep -q": with pipefail, grep quitting
# early can fail the pipeline with SIGPIPE.)
cat > "$tmp/cxx.cc" <<'CXX'
#include <cerrno>
#include <cstdio>
#include <dsm.h>

int main()
{
	size_t len = 0;
	int bad = 0;

	bad |= dsm_node_id() != -EBADF;
	bad |= dsm_nodes() != -EBADF;
	bad |= dsm_lock_acquire(1) != -EBADF;
	bad |= dsm_lock_release(1) != -EBADF;
	bad |= dsm_barrier(1) != -EBADF;
	bad |= dsm_map("x", &len) != nullptr || errno != EBADF;
	bad |= dsm_init() != -ENOENT;
	std::printf("%s\n", bad ? "wrong" : "right");
	return bad;
}
CXX
out=$("$CXX" -std=c++11 -pedantic -Wall -Wextra -Werror -I"$HERE" \
	-o "$tmp/cxx" "$tmp/cxx.cc" -L"$O" -ldsm 2>&1) &&
	out=$(LD_LIBRARY_PATH=$O "$tmp/cxx" 2>&1) &&
	libs=$(LD_LIBRARY_PATH=$O ldd "$tmp/cxx") &&
	[[ $libs == *"libdsm.so.1 => $O/libdsm.so.1"* ]] ||
	{ [ -e /dev/dsm ] && out="skipped: /dev/dsm exists"; false; }
ok $? "a C++ program linked with libdsm.so runs" "$out"

interp=$(readelf -l "$O/examples/dsm_sum" | grep -c 'Requesting program interpreter')
[ "$interp" -eq 0 ]
ok $? "the example dsm_sum is static"

out=$("$O/examples/dsm_sum" 2>&1)
rc=$?
[ $rc -ne 0 ] && grep -q '/dev/dsm' <<< "$out"
ok $? "dsm_sum without /dev/dsm fails and says why" "status $rc: $out"

man=$SRCDIR/Documentation/dsm.3
out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$man" 2>&1 >"$tmp/man.txt")
missing=
for f in $FUNCS; do
	grep -q "$f" "$tmp/man.txt" || missing="$missing $f"
done
[ -z "$out" ] && [ -z "$missing" ] && [ -s "$tmp/man.txt" ]
ok $? "man -l renders dsm(3) without warnings, every function in it" \
	"warnings: $out; missing:$missing"

echo "# libdsm build checks: $((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
