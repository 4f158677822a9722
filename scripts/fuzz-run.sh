#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fuzz-run.sh BIN SECONDS MAX_LEN OUT CORPUS... - run one libFuzzer
# target, as `make fuzz` does for each (kmod/core/tests/Makefile,
# tools/dsmd/Makefile): BIN (fuzz_NAME) for SECONDS, inputs up to MAX_LEN
# bytes, new inputs into OUT/corpus-NAME, reading the committed seeds in
# CORPUS..., a crash's input into OUT/artifacts/NAME-*, the log into
# OUT/fuzz_NAME.log. Prints the run's figures; on a failure the log's
# end, and exits non-zero.
set -uo pipefail

[ $# -ge 4 ] || { sed -n '4,10p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
bin=$1 secs=$2 maxlen=$3 out=$4
shift 4
name=$(basename "$bin")
name=${name#fuzz_}
log=$out/fuzz_$name.log

mkdir -p "$out/corpus-$name" "$out/artifacts"
echo "# fuzz_$name for $secs s"
if ! "$bin" -max_total_time="$secs" -max_len="$maxlen" -print_final_stats=1 \
	-artifact_prefix="$out/artifacts/$name-" "$out/corpus-$name" "$@" \
	> "$log" 2>&1; then
	tail -n 60 "$log"
	exit 1
fi
grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)|^#[0-9]+[[:space:]]+DONE' "$log"
