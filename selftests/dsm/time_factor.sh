# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# time_factor.sh - sourced by the guest scripts that run on a slower
# kernel (run_tests.sh, scripts/stress.sh): DSM_TEST_TIME_FACTOR, a whole
# number from 1 to 1000 (default 1), multiplies every bound in time.
#
#   dsm_time_factor     prints the factor, or fails with a message on
#                       stderr when DSM_TEST_TIME_FACTOR is not one
#   dsm_slow_kernel F   multiplies the module's bounds (fault_timeout_ms,
#                       mgr_timeout_ms; the module clamps them) and the
#                       hung task report by F, when F is above 1 and the
#                       module is loaded. A fault on the KASAN kernel
#                       under TCG can take longer than the default
#                       fault_timeout_ms and end in SIGBUS for no other
#                       reason. dsm_reload loads the module again with the
#                       values it finds after this.

dsm_time_factor() {
	case "${DSM_TEST_TIME_FACTOR:-1}" in
	[1-9] | [1-9][0-9] | [1-9][0-9][0-9] | 1000)
		echo "${DSM_TEST_TIME_FACTOR:-1}" ;;
	*)	echo "${0##*/}: DSM_TEST_TIME_FACTOR is a whole number from 1 to 1000, not '$DSM_TEST_TIME_FACTOR'" >&2
		return 2 ;;
	esac
}

dsm_slow_kernel() {
	[ "$1" -gt 1 ] && [ -d /sys/module/dsm/parameters ] || return 0
	for _p in fault_timeout_ms mgr_timeout_ms; do
		_f=/sys/module/dsm/parameters/$_p
		[ -w "$_f" ] || continue
		_v=$(($(cat "$_f") * $1))
		echo "$_v" > "$_f" || echo "${0##*/}: cannot set $_p to $_v" >&2
	done
	_h=/proc/sys/kernel/hung_task_timeout_secs
	[ -w "$_h" ] && echo $(($(cat "$_h") * $1)) > "$_h"
	return 0
}
