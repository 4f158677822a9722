#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# shape.sh [FILE...] - the shape rules of STYLE.md for the module and
# dsmd: no .c file over 900 lines, no function over 80 lines (counted from
# the line after its opening brace in column 0 to the line before its
# closing one). Prints each offender; exit status 1 if any.
set -uo pipefail

SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$SRCDIR" || exit 2
if [ $# -eq 0 ]; then
	set -- kmod/*.c kmod/core/*.c kmod/rdma/*.c tools/dsmd/*.c
fi

status=0
for f in "$@"; do
	n=$(wc -l < "$f")
	if [ "$n" -gt 900 ]; then
		echo "$f: $n lines (more than 900: split it by concern)"
		status=1
	fi
done
# A definition: a line starting a name with '(' and no ';' at its end,
# then '{' alone in column 0; its body ends at '}' in column 0.
if ! awk -v max=80 '
	FNR == 1 { infn = 0 }
	/^[A-Za-z_].*\(/ && !/;[ \t]*$/ { sig = $0; sigline = FNR }
	/^\{/ { infn = 1; start = FNR; name = sig; next }
	/^\}/ && infn {
		n = FNR - start - 1
		if (n > max) {
			printf "%s:%d: %d lines (more than %d): %s\n",
			       FILENAME, sigline, n, max, name
			bad = 1
		}
		infn = 0
	}
	END { exit bad }' "$@"; then
	status=1
fi
exit $status
