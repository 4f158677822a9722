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

#define SEED	0x69736f72ULL

static uint32_t make_key(long i, long maxkey)
{
	uint64_t r = app_rand(SEED, i);
	uint64_t s = (r & 0xffff) + ((r >> 16) & 0xffff) +
		     ((r >> 32) & 0xffff) + (r >> 48);

	return (uint32_t)(s * (uint64_t)maxkey / (4 * 65536ULL));
}

/* NAS IS: the keys iteration @it changes. */
static void change_keys(uint32_t *key, long it, long iters, long maxkey,
			long lo, long hi)
{
	if (it >= lo && it < hi)
		key[it] = it % maxkey;
	if (it + iters >= lo && it + iters < hi)
		key[it + iters] = maxkey - 1 - it % maxkey;
}

/* Stable ranks of key[0..n) into rank and sorted. */
static void serial_sort(const uint32_t *key, uint32_t *rank, uint32_t *sorted,
			long n, long maxkey)
{
	uint32_t *off = calloc(maxkey, sizeof(*off));
	uint32_t sum = 0, t;
	long i, v;

	if (!off) {
		fprintf(stderr, "isort: out of memory for the serial run\n");
		exit(1);
	}
	for (i = 0; i < n; i++)
		off[key[i]]++;
	for (v = 0; v < maxkey; v++) {
		t = off[v];
		off[v] = sum;
		sum += t;
	}
	for (i = 0; i < n; i++) {
		rank[i] = off[key[i]]++;
		sorted[rank[i]] = key[i];
	}
	free(off);
}

int main(int argc, char **argv)
{
	struct app a = {
		.name = "isort",
		.args = "NKEYS MAXKEY ITERS",
		.about = "Integer sort (NAS IS style): NKEYS seeded keys in\n"
			 "[0, MAXKEY) ranked ITERS times by a counting sort with\n"
			 "per-node histograms merged between barriers.",
	};
	uint32_t *key, *rank, *sorted, *hist, *off, *rkey, *rrank, *rsorted;
	long n, maxkey, iters, lo, hi, v0, v1, it, i, v;
	size_t keys, rows;
	uint64_t *slicesum, base;
	int node, ok = 1;

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

	rkey = malloc(n * sizeof(*rkey));
	rrank = malloc(n * sizeof(*rrank));
	rsorted = malloc(n * sizeof(*rsorted));
	if (!rkey || !rrank || !rsorted)
		app_die(&a, "out of memory for the serial run");
	for (i = 0; i < n; i++)
		rkey[i] = make_key(i, maxkey);
	for (it = 0; it < iters; it++)
		change_keys(rkey, it, iters, maxkey, 0, n);
	serial_sort(rkey, rrank, rsorted, n, maxkey);
	for (i = lo; i < hi; i++)
		if (rank[i] != rrank[i] || key[i] != rkey[i]) {
			app_diff(&a, "key %ld: %u ranked %u, serial run: %u ranked %u",
				 i, key[i], rank[i], rkey[i], rrank[i]);
			ok = 0;
			break;
		}
	for (i = lo; i < hi; i++)
		if (sorted[i] != rsorted[i]) {
			app_diff(&a, "sorted[%ld] is %u, serial run %u",
				 i, sorted[i], rsorted[i]);
			ok = 0;
			break;
		}
	if (a.node == 0)
		printf("isort: %ld keys below %ld, %ld iterations, %d nodes\n",
		       n, maxkey, iters, a.nodes);
	app_finish(&a, ok);
}
