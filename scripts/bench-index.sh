#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-index.sh DIR - write DIR/index.html: every benchmark table
# (DIR/*.txt) and plot (DIR/*.png, DIR/*.svg) that `make bench` left in
# DIR, on one page that a browser opens without a server (the images are
# referenced by their file names, next to the page). A part not run is
# not on the page; its section says so. Documentation/benchmarks.md.
set -euo pipefail

dir=${1:?usage: bench-index.sh DIR}
out=$dir/index.html

esc() {	# HTML-escape standard input
	sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g'
}

# section TITLE FILE...: a heading, then each file: a table as <pre>, a
# plot as <img>.
section() {
	local title=$1 f n=0
	shift
	echo "<h2>$(printf '%s' "$title" | esc)</h2>"
	for f in "$@"; do
		[ -f "$dir/$f" ] || continue
		n=$((n + 1))
		case "$f" in
		*.png | *.svg)
			echo "<figure><img src=\"$f\" alt=\"$f\"><figcaption>$f</figcaption></figure>" ;;
		*)
			echo "<h3>$f</h3><pre>"
			esc < "$dir/$f"
			echo "</pre>" ;;
		esac
	done
	[ "$n" -gt 0 ] || echo "<p>Not run: no output in $(printf '%s' "$dir" | esc).</p>"
}

# The files of DIR matching the glob @1, by name; none: nothing.
files() {
	(cd "$dir" && for f in $1; do [ -e "$f" ] && echo "$f"; done) || true
}

{
	cat <<'HEAD'
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>dsm benchmarks</title>
<style>
body { font-family: sans-serif; max-width: 70em; margin: 1em auto; }
pre { background: #f4f4f4; padding: 0.5em; overflow-x: auto; }
img { max-width: 100%; border: 1px solid #ccc; }
figure { display: inline-block; margin: 0.5em; }
</style></head><body>
<h1>dsm benchmarks</h1>
HEAD
	echo "<p>Made by <code>make bench</code> on $(date -u '+%Y-%m-%d %H:%M UTC'); what each figure means: Documentation/benchmarks.md.</p>"
	section "Virtual cluster boot" vcluster-boot.txt
	# shellcheck disable=SC2046 # one file name a word
	section "sc: fault latency and MAC cost" fault-latency.txt \
		fault-latency-noauth.txt mac-cost.txt $(files 'fault*.png')
	# shellcheck disable=SC2046
	section "Applications" apps.txt $(files 'apps-*.png') $(files 'apps-*.svg')
	section "dsm against message passing" mp.txt mp.png
	section "RDMA against raw RDMA and TCP: fault latency, applications" \
		rdma.txt rdma-apps.txt rdma-apps.png
	# shellcheck disable=SC2046
	section "lrc: false sharing, locks, barriers" lrc.txt \
		$(files 'lrc*.png') $(files 'lrc*.svg')
	section "Hot pages and false sharing (dsmctl region top)" sharing.txt
	section "Core microbenchmarks" core-micro.txt
	section "Many nodes: a smoke run (issue 15 item 5)" n16.txt
	section "Closing note (issue 17)" note.txt
	echo "</body></html>"
} > "$out.tmp"
mv "$out.tmp" "$out"
echo "$out"
