// SPDX-License-Identifier: GPL-2.0
/*
 * isort-mp - the message-passing baseline of isort (../apps/isort.c): the
 * same keys, iterations and stable counting sort, the keys and the
 * values cut over the nodes the same way, with bucket counts and keys
 * sent instead of shared. An iteration:
 *
 *   1. every node counts its keys; it sends each node the counts of that
 *      node's slice of the values, and receives every node's counts of
 *      its own slice (all-to-all);
 *   2. each node sums its slice and sends the sum to every node;
 *   3. each node turns the counts of its slice into offsets (the keys
 *      below the value, then the keys of lower nodes equal to it, from
 *      the sum of the lower slices) and sends every node its offsets in
 *      the slice back (all-to-all);
 *   4. every node ranks its keys in order from its offsets, and sends
 *      each node the keys that land in its block of the sorted array, as
 *      runs (first rank, key, count): a node's keys of one value have
 *      consecutive ranks (all-to-all).
 *
 * Verification: as isort's (the serial ranks and sorted block, exactly);
 * result: the sum of a hash of every (index, rank) and (index, sorted
 * key), the same for any number of nodes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp.h"
#include "isort.h"

#define TAG_HIST	(MP_TAG_APP + 0)
#define TAG_SUM		(MP_TAG_APP + 1)
#define TAG_OFF		(MP_TAG_APP + 2)
#define TAG_KEYS	(MP_TAG_APP + 3)

struct run_msg {		/* sorted[first .. first + count) = key */
	uint32_t first, key, count;
};

struct sort {
	struct mp *m;
	long n, maxkey;
	long klo[APP_MAX_NODES], khi[APP_MAX_NODES];	/* keys, sorted */
	long vlo[APP_MAX_NODES], vhi[APP_MAX_NODES];	/* values */
	uint32_t *cnt, *off, *rows;	/* rows: node j's counts of my slice */
	uint64_t sums[APP_MAX_NODES];
	struct run_msg *runs[APP_MAX_NODES];	/* out, then in */
	struct run_msg *in[APP_MAX_NODES];
	size_t nruns[APP_MAX_NODES];
};

static void check_len(struct sort *s, const size_t *got, size_t want,
		      const char *what)
{
	int j;

	for (j = 0; j < s->m->a.nodes; j++)
		if (j != s->m->a.node && got[j] != want)
			app_die(&s->m->a, "node %d sent %zu bytes of %s, not %zu",
				j, got[j], what, want);
}

/* Steps 1 to 3: s->off gets this node's offsets for every value. */
static void offsets(struct sort *s)
{
	int me = s->m->a.node, nodes = s->m->a.nodes, j;
	long v0 = s->vlo[me], len = s->vhi[me] - v0, v;
	size_t ol[APP_MAX_NODES], il[APP_MAX_NODES];
	void *ob[APP_MAX_NODES], *ib[APP_MAX_NODES];
	uint64_t base = 0;

	for (j = 0; j < nodes; j++) {
		ob[j] = &s->cnt[s->vlo[j]];
		ol[j] = (s->vhi[j] - s->vlo[j]) * sizeof(uint32_t);
		ib[j] = &s->rows[j * len];
		il[j] = len * sizeof(uint32_t);
	}
	mp_all_to_all(s->m, TAG_HIST, ob, ol, ib, il);
	check_len(s, il, len * sizeof(uint32_t), "counts");
	memcpy(&s->rows[me * len], &s->cnt[v0], len * sizeof(uint32_t));

	s->sums[me] = 0;
	for (j = 0; j < nodes; j++)
		for (v = 0; v < len; v++)
			s->sums[me] += s->rows[j * len + v];
	for (j = 0; j < nodes; j++) {
		ob[j] = &s->sums[me];
		ol[j] = sizeof(uint64_t);
		ib[j] = &s->sums[j];
		il[j] = sizeof(uint64_t);
	}
	mp_all_to_all(s->m, TAG_SUM, ob, ol, ib, il);
	check_len(s, il, sizeof(uint64_t), "the slice sum");

	for (j = 0; j < me; j++)
		base += s->sums[j];
	for (v = 0; v < len; v++)
		for (j = 0; j < nodes; j++) {
			uint32_t t = s->rows[j * len + v];

			s->rows[j * len + v] = base;
			base += t;
		}
	for (j = 0; j < nodes; j++) {
		ob[j] = &s->rows[j * len];
		ol[j] = len * sizeof(uint32_t);
		ib[j] = &s->off[s->vlo[j]];
		il[j] = (s->vhi[j] - s->vlo[j]) * sizeof(uint32_t);
	}
	mp_all_to_all(s->m, TAG_OFF, ob, ol, ib, il);
	for (j = 0; j < nodes; j++)
		if (j != me && il[j] != (s->vhi[j] - s->vlo[j]) * sizeof(uint32_t))
			app_die(&s->m->a, "node %d sent %zu bytes of offsets",
				j, il[j]);
	memcpy(&s->off[v0], &s->rows[me * len], len * sizeof(uint32_t));
}

/* Put the keys of value @v, ranks [first, first + count), in runs. */
static void add_runs(struct sort *s, uint32_t v, long first, long count)
{
	int j;

	for (j = 0; j < s->m->a.nodes && count > 0; j++) {
		long a = first > s->klo[j] ? first : s->klo[j];
		long b = first + count < s->khi[j] ? first + count : s->khi[j];

		if (a < b)
			s->runs[j][s->nruns[j]++] = (struct run_msg){ a, v, b - a };
	}
}

/* Step 4: ranks of my keys; the runs of sorted keys to their owners. */
static void rank_and_send(struct sort *s, const uint32_t *key, uint32_t *rank,
			  uint32_t *sorted)
{
	int me = s->m->a.node, j;
	size_t ol[APP_MAX_NODES], got[APP_MAX_NODES], k;
	void *ob[APP_MAX_NODES], *ib[APP_MAX_NODES];
	long i, v;

	for (j = 0; j < s->m->a.nodes; j++)
		s->nruns[j] = 0;
	for (v = 0; v < s->maxkey; v++)
		if (s->cnt[v]) {
			if ((uint64_t)s->off[v] + s->cnt[v] > (uint64_t)s->n)
				app_die(&s->m->a, "value %ld ranked from %u, %u keys, of %ld: the counts are wrong",
					v, s->off[v], s->cnt[v], s->n);
			add_runs(s, v, s->off[v], s->cnt[v]);
		}
	for (i = s->klo[me]; i < s->khi[me]; i++)
		rank[i] = s->off[key[i]]++;

	for (j = 0; j < s->m->a.nodes; j++) {
		ob[j] = s->runs[j];
		ol[j] = s->nruns[j] * sizeof(struct run_msg);
		ib[j] = s->in[j];
		got[j] = (s->maxkey + 1) * sizeof(struct run_msg);
	}
	mp_all_to_all(s->m, TAG_KEYS, ob, ol, ib, got);
	got[me] = s->nruns[me] * sizeof(struct run_msg);
	s->in[me] = s->runs[me];
	for (j = 0; j < s->m->a.nodes; j++) {
		if (got[j] % sizeof(struct run_msg))
			app_die(&s->m->a, "node %d sent %zu bytes of runs", j, got[j]);
		for (k = 0; k < got[j] / sizeof(struct run_msg); k++) {
			struct run_msg r = s->in[j][k];

			if (r.first < s->klo[me] || r.count > s->khi[me] - r.first ||
			    r.key >= s->maxkey)
				app_die(&s->m->a, "node %d sent a run of %u keys %u from rank %u, not in my block",
					j, r.count, r.key, r.first);
			for (i = r.first; i < r.first + r.count; i++)
				sorted[i] = r.key;
		}
	}
}

static void *alloc(struct mp *m, size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		app_die(&m->a, "out of memory");
	return p;
}

int main(int argc, char **argv)
{
	struct mp m = { .a = {
		.name = "isort-mp",
		.args = "NKEYS MAXKEY ITERS",
		.about = "Integer sort (NAS IS style): NKEYS seeded keys in\n"
			 "[0, MAXKEY) ranked ITERS times by a counting sort, bucket\n"
			 "counts and keys exchanged between the nodes.",
	} };
	struct sort s = { .m = &m };
	uint32_t *key, *rank, *sorted;
	long iters, lo, hi, it, i;
	uint64_t sum = 0;
	int j, ok;

	mp_args(&m, argc, argv, 3, 3);
	s.n = mp_arg(&m, 0, "NKEYS", 1, 1L << 24);
	s.maxkey = mp_arg(&m, 1, "MAXKEY", 1, 1L << 20);
	iters = mp_arg(&m, 2, "ITERS", 1, 1000);
	if (s.n < 2 * iters)
		mp_usage(&m, "NKEYS must be at least 2 * ITERS");
	mp_start(&m);
	for (j = 0; j < m.a.nodes; j++) {
		app_block(s.n, j, m.a.nodes, &s.klo[j], &s.khi[j]);
		app_block(s.maxkey, j, m.a.nodes, &s.vlo[j], &s.vhi[j]);
		s.runs[j] = alloc(&m, s.maxkey + 1, sizeof(struct run_msg));
		s.in[j] = alloc(&m, s.maxkey + 1, sizeof(struct run_msg));
	}
	lo = s.klo[m.a.node];
	hi = s.khi[m.a.node];
	key = alloc(&m, s.n, sizeof(*key));
	rank = alloc(&m, s.n, sizeof(*rank));
	sorted = alloc(&m, s.n, sizeof(*sorted));
	s.cnt = alloc(&m, s.maxkey, sizeof(uint32_t));
	s.off = alloc(&m, s.maxkey, sizeof(uint32_t));
	s.rows = alloc(&m, (s.vhi[m.a.node] - s.vlo[m.a.node]) * m.a.nodes + 1,
		       sizeof(uint32_t));
	for (i = lo; i < hi; i++)
		key[i] = make_key(i, s.maxkey);
	mp_barrier(&m);

	m.a.t0 = app_now_ms();
	for (it = 0; it < iters; it++) {
		change_keys(key, it, iters, s.maxkey, lo, hi);
		memset(s.cnt, 0, s.maxkey * sizeof(uint32_t));
		for (i = lo; i < hi; i++)
			s.cnt[key[i]]++;
		offsets(&s);
		rank_and_send(&s, key, rank, sorted);
	}
	mp_barrier(&m);
	m.a.t1 = app_now_ms();

	ok = isort_check(&m.a, key, rank, sorted, s.n, s.maxkey, iters, lo, hi);
	for (i = lo; i < hi; i++)
		sum += mp_hash(i, rank[i]) + mp_hash(s.n + i, sorted[i]);
	if (m.a.node == 0)
		printf("isort-mp: %ld keys below %ld, %ld iterations, %d nodes\n",
		       s.n, s.maxkey, iters, m.a.nodes);
	mp_finish(&m, ok, MP_SUM_HEX, sum, 0);
}
