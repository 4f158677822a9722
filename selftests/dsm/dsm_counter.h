/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_counter.h - this node's module counters, read without starting a
 * process; shared by the selftests (through dsm_shell.h) and the
 * micro-benchmarks (tools/bench).
 */
#ifndef _DSM_COUNTER_H
#define _DSM_COUNTER_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* The module's counters, one "name value" line each (kmod/dsm_stats.c). */
#define DSM_STATS_FILE	"/sys/kernel/debug/dsm/stats"

/*
 * dsm_counter_scan - this node's module counter @name, or with @prefix
 * the sum of every counter whose name starts with @name; -1 if there is
 * none. Read from DSM_STATS_FILE, the values `dsmctl stats` prints
 * (dsm_control checks that command), without starting a process: under
 * TCG `dsmctl -j stats | jq` took about a second, and tests poll
 * counters. Without debugfs, from `dsmctl stats`.
 */
static inline long dsm_counter_scan(const char *name, bool prefix)
{
	size_t len = strlen(name);
	unsigned long long v;
	char line[160], key[128];
	bool cmd = false;
	long sum = -1;
	FILE *f;

	f = fopen(DSM_STATS_FILE, "re");
	if (!f) {
		f = popen("dsmctl stats 2>/dev/null", "r");
		cmd = true;
	}
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%127s %llu", key, &v) != 2)
			continue;
		if (prefix ? strncmp(key, name, len) : strcmp(key, name))
			continue;
		sum = (sum < 0 ? 0 : sum) + (long)v;
	}
	if (cmd)
		pclose(f);
	else
		fclose(f);
	return sum;
}

/* This node's module counter @name (dsm_counter_scan()), or -1. */
static inline long dsm_counter(const char *name)
{
	return dsm_counter_scan(name, false);
}

/* The sum of this node's module counters named @prefix..., or -1. */
static inline long dsm_counter_sum(const char *prefix)
{
	return dsm_counter_scan(prefix, true);
}

#endif /* _DSM_COUNTER_H */
