/* SPDX-License-Identifier: GPL-2.0 */
/*
 * isort.h - the keys and the serial sort of isort, shared by the dsm
 * program (isort.c) and its message-passing baseline (../mp/isort.c).
 */
#ifndef ISORT_H
#define ISORT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "apps_common.h"

#define ISORT_SEED	0x69736f72ULL

static uint32_t make_key(long i, long maxkey)
{
	uint64_t r = app_rand(ISORT_SEED, i);
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

/*
 * Rank all keys serially after every iteration's changes; keys [lo, hi)
 * (key, rank) and sorted[lo, hi) must be exactly the serial ones.
 * Returns 1 if they are.
 */
static int isort_check(struct app *a, const uint32_t *key, const uint32_t *rank,
		       const uint32_t *sorted, long n, long maxkey, long iters,
		       long lo, long hi)
{
	uint32_t *rkey, *rrank, *rsorted;
	long i, it;
	int ok = 1;

	rkey = malloc(n * sizeof(*rkey));
	rrank = malloc(n * sizeof(*rrank));
	rsorted = malloc(n * sizeof(*rsorted));
	if (!rkey || !rrank || !rsorted)
		app_die(a, "out of memory for the serial run");
	for (i = 0; i < n; i++)
		rkey[i] = make_key(i, maxkey);
	for (it = 0; it < iters; it++)
		change_keys(rkey, it, iters, maxkey, 0, n);
	serial_sort(rkey, rrank, rsorted, n, maxkey);
	for (i = lo; i < hi; i++)
		if (rank[i] != rrank[i] || key[i] != rkey[i]) {
			app_diff(a, "key %ld: %u ranked %u, serial run: %u ranked %u",
				 i, key[i], rank[i], rkey[i], rrank[i]);
			ok = 0;
			break;
		}
	for (i = lo; i < hi; i++)
		if (sorted[i] != rsorted[i]) {
			app_diff(a, "sorted[%ld] is %u, serial run %u",
				 i, sorted[i], rsorted[i]);
			ok = 0;
			break;
		}
	free(rkey);
	free(rrank);
	free(rsorted);
	return ok;
}

#endif
