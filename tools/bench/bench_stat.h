/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench_stat.h - a counter of the dsm module on this node, for the
 * micro-benchmarks that run in the virtual cluster.
 */
#ifndef _BENCH_STAT_H
#define _BENCH_STAT_H

#include <stdio.h>
#include <string.h>

/* Counter @name of this node (debugfs /sys/kernel/debug/dsm/stats), or -1. */
static inline long long stat_of(const char *name)
{
	FILE *f = fopen("/sys/kernel/debug/dsm/stats", "r");
	long long v = -1, x;
	char key[64];

	if (!f)
		return -1;
	while (v < 0 && fscanf(f, "%63s %lld", key, &x) == 2)
		if (!strcmp(key, name))
			v = x;
	fclose(f);
	return v;
}

#endif /* _BENCH_STAT_H */
