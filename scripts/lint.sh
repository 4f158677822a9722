#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# lint.sh [--sources|--modules] - the module's static checks:
# checkpatch.pl (from Debian's linux-source) on every kernel source and
# the uapi header, the shape rules (scripts/shape.sh: file and function
# sizes of the module and dsmd), shellcheck on every shell script, then a
# W=1 build with sparse (C=2) against every supported kernel. Any report
# fails.
#   --sources   only the checks of the sources (checkpatch, the shape
#               rules, the shell scripts): no kernel build.
#   --modules [KVER...]
#               only the W=1 C=2 builds, against KVER (6.1, 6.12; default
#               every supported kernel): they are the modules the virtual
#               cluster then boots (make check runs the parts apart).
set -euo pipefail

sources=1
modules=1
kvers=()
case "${1:-}" in
'') ;;
--sources) modules=0 ;;
--modules) sources=0; shift; kvers=("$@") ;;
*) sed -n '4,15p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac

SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${BUILD:-$SRCDIR/build}
export SRCDIR BUILD

status=0
cd "$SRCDIR"

# build_modules: the W=1 C=2 builds against every supported kernel.
build_modules() {
	local v kdir
	[ ${#kvers[@]} -gt 0 ] ||
		read -ra kvers <<< "$("$SRCDIR/scripts/kernels.sh" versions)"
	for v in "${kvers[@]}"; do
		kdir=$("$SRCDIR/scripts/kernels.sh" kdir "$v") || { status=1; continue; }
		if ! "$SRCDIR/scripts/build-module.sh" "$kdir" W=1 C=2; then
			status=1
		fi
	done
}
if [ "$sources" = 0 ]; then
	build_modules
	exit $status
fi

ls_dir=$("$SRCDIR/scripts/linux-source.sh")
# kmod/core/tests and fuzz are userspace programs, not kernel code.
files=$(find kmod uapi -name '*.[ch]' -not -path 'kmod/core/tests/*' \
	-not -path 'kmod/core/fuzz/*' | sort)
echo "  CHECKPATCH $(echo "$files" | wc -w) files"
# shellcheck disable=SC2086
if ! perl "$ls_dir/scripts/checkpatch.pl" --no-tree --strict --quiet \
	--show-types --ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG \
	--summary-file -f $files; then
	echo "lint: checkpatch found problems (above)" >&2
	status=1
fi

echo "  SHAPE   kmod, kmod/core, tools/dsmd"
if ! "$SRCDIR/scripts/shape.sh"; then
	echo "lint: files or functions too long (above)" >&2
	status=1
fi

# Every shell script of the tree (by name or by its #! line), at warning
# level: the infos are style, the warnings are bugs waiting (quoting,
# unset variables, a wrong shell).
mapfile -t scripts < <(git ls-files 2>/dev/null | while read -r f; do
	case "$f" in
	*.sh) echo "$f" ;;
	*) [ -f "$f" ] && grep -qE '^#!.*\b(ba)?sh\b' < <(head -n 1 "$f") &&
		echo "$f" ;;
	esac
done)
echo "  SHELLCHECK ${#scripts[@]} scripts"
if [ ${#scripts[@]} -eq 0 ]; then
	echo "lint: no shell scripts found (not a git checkout?)" >&2
	status=1
elif ! shellcheck -S warning "${scripts[@]}"; then
	echo "lint: shellcheck found problems (above)" >&2
	status=1
fi

# With pipefail, "CMD | grep -q RE" fails when grep quits at its first
# match and CMD then dies of SIGPIPE (apt-cache, which writes line by
# line, made CI red this way): such scripts read with grep -q < <(CMD).
pipe_grep=$(grep -lE 'set -[a-zA-Z]*o pipefail|set -o pipefail' \
	"${scripts[@]}" 2>/dev/null | xargs -r grep -nE '^[^#"]*\|[[:space:]]*grep -[a-zA-Z]*q' || true)
if [ -n "$pipe_grep" ]; then
	echo "$pipe_grep"
	echo "lint: 'CMD | grep -q' under pipefail (above): use grep -q RE < <(CMD)" >&2
	status=1
fi

[ "$modules" = 0 ] || build_modules
exit $status
