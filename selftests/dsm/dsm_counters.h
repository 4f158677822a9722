/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dsm_counters.h - an sc workload for tests that change the cluster
 * under load (dsm_home's moving buckets, dsm_join's growing cluster):
 * each node increments its own word in a run of pages, round after
 * round, and checks that no node's word ever goes back (sc: a later
 * read never sees an older value). At the end word n of every page is
 * node n's count of its rounds.
 */
#ifndef _DSM_COUNTERS_H
#define _DSM_COUNTERS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "dsm_region.h"
#include "dsm_shell.h"
#include "dsm_sync.h"

/* Shared (MAP_SHARED | MAP_ANONYMOUS) between a test and its workload. */
struct dsm_counters {
	volatile int stop;
	volatile long rounds;
	volatile int bad;	/* a word went back: page * 8 + node + 1 */
};

/*
 * dsm_counters_start - fork the workload on @pages pages of the DSM
 * space at @off, with the words of @nodes nodes (at most 8): it runs
 * until @sh->stop and exits 0, 1 if a word went back, 2 if the space
 * cannot be mapped. Returns its pid (or -1).
 */
static inline pid_t dsm_counters_start(struct dsm_counters *sh, size_t off,
				       int pages, int nodes)
{
	int node = dsm_node_id_env(), k, n;
	volatile uint64_t *p;
	uint64_t (*seen)[8], w;
	pid_t pid = fork();

	if (pid)
		return pid;
	p = dsm_map_space(off, (size_t)pages * DSM_PAGE);
	seen = calloc(pages, sizeof(*seen));
	if (p == MAP_FAILED || !seen || nodes > 8)
		_exit(2);
	while (!sh->stop) {
		for (k = 0; k < pages; k++) {
			p[k * DSM_PAGE / 8 + node]++;
			for (n = 0; n < nodes; n++) {
				w = p[k * DSM_PAGE / 8 + n];
				if (w < seen[k][n] && !sh->bad)
					sh->bad = k * 8 + n + 1;
				seen[k][n] = w;
			}
		}
		sh->rounds++;
	}
	_exit(sh->bad ? 1 : 0);
}

/*
 * dsm_counters_reach - wait up to @secs (times the time factor) for the
 * workload of @sh to reach @rounds rounds; false if it did not (or a
 * word went back).
 */
static inline bool dsm_counters_reach(struct dsm_counters *sh, long rounds,
				      double secs)
{
	double t0 = dsm_now();

	while (sh->rounds < rounds && dsm_now() - t0 < dsm_test_secs(secs) &&
	       !sh->bad)
		usleep(10000);
	return sh->rounds >= rounds;
}

/*
 * dsm_counters_check - after the workload of dsm_counters_start ended,
 * on @pages pages of the DSM space at @off with @nodes nodes' words:
 * on every page this node's word must be @sh->rounds and every node's
 * word the same as on the first page. Returns -1 if so, the first
 * wrong word as page * 8 + word if not, -2 if the space cannot be
 * mapped.
 */
static inline int dsm_counters_check(const struct dsm_counters *sh,
				     size_t off, int pages, int nodes)
{
	int node = dsm_node_id_env(), k, n, bad = -1;
	volatile uint64_t *p;

	p = dsm_map_space(off, (size_t)pages * DSM_PAGE);
	if (p == MAP_FAILED)
		return -2;
	for (k = 0; k < pages && bad < 0; k++) {
		if (p[k * DSM_PAGE / 8 + node] != (uint64_t)sh->rounds)
			bad = k * 8 + node;
		for (n = 0; n < nodes && bad < 0; n++)
			if (p[k * DSM_PAGE / 8 + n] != p[n])
				bad = k * 8 + n;
	}
	munmap((void *)p, (size_t)pages * DSM_PAGE);
	return bad;
}

#endif /* _DSM_COUNTERS_H */
