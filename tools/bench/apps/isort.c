// SPDX-License-Identifier: GPL-2.0
/*
 * isort - integer sort in the style of NAS IS on an lrc region.
 *
 * NKEYS keys in [0, MAXKEY), each the mean of four seeded random numbers
 * (a bell-shaped distribution, as in NAS IS), split in blocks over the
 * nodes. Each of ITERS iterations changes two keys (key[it] = it and
 * key[it + ITERS] = MAXKEY - 1 - it, as NAS IS does) and ranks all keys
 * by a stable counting sort:
 *
 *   1. every node counts its keys into its own row of the histogram
 *      (hist[node][value]); barrier;
 *   2. the values are cut into one slice per node; each node sums its
 *      slice over all rows (slicesum[node]); barrier;
 *   3. each node turns its slice of every row into exclusive offsets: the
 *      keys below the value plus the keys of lower nodes equal to it
 *      (starting from the sum of the lower slices); barrier;
 *   4. every node ranks its keys in order from its own row of offsets,
 *      writes rank[i] and scatters the key to sorted[rank]; barrier.
 *
 * Steps 3 and 4 write pages that other nodes write at the same time
 * (different bytes): lrc merges the diffs.
 *
 * Verification: every node generates all keys, applies every
 * iteration's changes and ranks them serially (stable counting sort);
 * its own keys' ranks and its own block of the sorted array must be
 * exactly the serial ones.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps_common.h"
#include "isort.h"

int main(int argc, char **argv)
{
	struct app a = {
		.name = "isort",
		.args = "NKEYS MAXKEY ITERS",
		.about = "Integer sort (NAS IS style): NKEYS seeded keys in\n"
			 "[0, MAXKEY) ranked ITERS times by a counting sort with\n"
			 "per-node histograms merged between barriers.",
	};
	uint32_t *key, *rank, *sorted, *hist, *off;
	long n, maxkey, iters, lo, hi, v0, v1, it, i, v;
	size_t keys, rows;
	uint64_t *slicesum, base;
	int node, ok;

	app_args(&a, argc, argv, 3, 3);
	n = app_arg(&a, 0, "NKEYS", 1, 1L << 24);
	maxkey = app_arg(&a, 1, "MAXKEY", 1, 1L << 20);
	iters = app_arg(&a, 2, "ITERS", 1, 1000);
	if (n < 2 * iters)
		app_usage(&a, "NKEYS must be at least 2 * ITERS");
	app_start(&a);

	keys = app_pages(n * sizeof(uint32_t));
	rows = app_pages(a.nodes * maxkey * sizeof(uint32_t));
	app_map(&a, 3 * keys + rows + APP_PAGE);
	key = app_data(&a);
	rank = (uint32_t *)((char *)key + keys);
	sorted = (uint32_t *)((char *)rank + keys);
	hist = (uint32_t *)((char *)sorted + keys);
	slicesum = (uint64_t *)((char *)hist + rows);
	off = malloc(maxkey * sizeof(*off));
	if (!off)
		app_die(&a, "out of memory");
	app_block(n, a.node, a.nodes, &lo, &hi);
	app_block(maxkey, a.node, a.nodes, &v0, &v1);

	for (i = lo; i < hi; i++)
		key[i] = make_key(i, maxkey);
	app_barrier(&a);

	app_timer_start(&a);
	for (it = 0; it < iters; it++) {
		uint32_t *row = hist + a.node * maxkey;

		change_keys(key, it, iters, maxkey, lo, hi);
		memset(off, 0, maxkey * sizeof(*off));
		for (i = lo; i < hi; i++)
			off[key[i]]++;
		memcpy(row, off, maxkey * sizeof(*off));
		app_barrier(&a);

		slicesum[a.node] = 0;
		for (node = 0; node < a.nodes; node++)
			for (v = v0; v < v1; v++)
				slicesum[a.node] += hist[node * maxkey + v];
		app_barrier(&a);

		base = 0;
		for (node = 0; node < a.node; node++)
			base += slicesum[node];
		for (v = v0; v < v1; v++)
			for (node = 0; node < a.nodes; node++) {
				uint32_t t = hist[node * maxkey + v];

				hist[node * maxkey + v] = base;
				base += t;
			}
		app_barrier(&a);

		memcpy(off, row, maxkey * sizeof(*off));
		for (i = lo; i < hi; i++) {
			uint32_t r = off[key[i]]++;

			if (r >= n)
				app_die(&a, "iteration %ld: key %ld ranked %u of %ld: the histogram is wrong",
					it, i, r, n);
			rank[i] = r;
			sorted[r] = key[i];
		}
		app_barrier(&a);
	}
	app_timer_stop(&a);

	ok = isort_check(&a, key, rank, sorted, n, maxkey, iters, lo, hi);
	if (a.node == 0)
		printf("isort: %ld keys below %ld, %ld iterations, %d nodes\n",
		       n, maxkey, iters, a.nodes);
	app_finish(&a, ok);
}
