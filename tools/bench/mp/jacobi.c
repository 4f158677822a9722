// SPDX-License-Identifier: GPL-2.0
/*
 * jacobi-mp - the message-passing baseline of jacobi (../apps/jacobi.c):
 * the same grid, sweeps and bands of rows, with the band edges sent
 * instead of shared.
 *
 * Each node keeps its band of rows and the two rows next to it (ghost
 * rows) in private memory. Before every sweep it sends its first row to
 * the node above and its last row to the node below, and receives the
 * ghost rows from them: two messages of N doubles per neighbour and
 * sweep, which also stand for the dsm program's barrier.
 *
 * Verification: as jacobi's (the serial run, its band bit for bit);
 * result: the sum of a hash of every point's index and bits, the same
 * for any number of nodes.
 */
#include <stdio.h>
#include <stdlib.h>

#include "mp.h"
#include "jacobi.h"

#define TAG_ROW	(MP_TAG_APP + 0)

/* Send my edge rows of @g to my neighbours, receive their edges. */
static void exchange_edges(struct mp *m, double *g, long n, long lo, long hi)
{
	struct mp_xfer out[2], in[2];
	int nx = 0;

	if (m->a.node > 0) {
		out[nx] = (struct mp_xfer){ .peer = m->a.node - 1, .tag = TAG_ROW,
					    .buf = &g[lo * n], .len = n * sizeof(double) };
		in[nx++] = (struct mp_xfer){ .peer = m->a.node - 1, .tag = TAG_ROW,
					     .buf = &g[(lo - 1) * n], .len = n * sizeof(double) };
	}
	if (m->a.node < m->a.nodes - 1) {
		out[nx] = (struct mp_xfer){ .peer = m->a.node + 1, .tag = TAG_ROW,
					    .buf = &g[(hi - 1) * n], .len = n * sizeof(double) };
		in[nx++] = (struct mp_xfer){ .peer = m->a.node + 1, .tag = TAG_ROW,
					     .buf = &g[hi * n], .len = n * sizeof(double) };
	}
	mp_exchange(m, out, nx, in, nx);
	for (nx--; nx >= 0; nx--)
		if (in[nx].len != n * sizeof(double))
			app_die(&m->a, "node %d sent a row of %zu bytes", in[nx].peer,
				in[nx].len);
}

int main(int argc, char **argv)
{
	struct mp m = { .a = {
		.name = "jacobi-mp",
		.args = "N ITERS",
		.about = "Jacobi relaxation of an N x N grid of doubles, ITERS sweeps,\n"
			 "rows split in bands over the nodes, edge rows exchanged\n"
			 "with the neighbours before every sweep.",
	} };
	long n, iters, lo, hi, r0, r1, i, j, k;
	uint64_t sum = 0;
	double *g[2];
	int ok;

	mp_args(&m, argc, argv, 2, 2);
	n = mp_arg(&m, 0, "N", 3, 4096);
	iters = mp_arg(&m, 1, "ITERS", 1, 100000);
	mp_start(&m);
	if (n < m.a.nodes)
		app_die(&m.a, "N must be at least the number of nodes");

	/* the whole grid's shape, but only band and ghost rows are used */
	app_block(n, m.a.node, m.a.nodes, &lo, &hi);
	r0 = lo > 1 ? lo : 1;
	r1 = hi < n - 1 ? hi : n - 1;
	for (k = 0; k < 2; k++) {
		g[k] = malloc(n * n * sizeof(double));
		if (!g[k])
			app_die(&m.a, "out of memory");
		for (i = lo; i < hi; i++)
			for (j = 0; j < n; j++)
				g[k][i * n + j] = init_value(n, i, j);
	}
	mp_barrier(&m);

	m.a.t0 = app_now_ms();
	for (k = 0; k < iters; k++) {
		exchange_edges(&m, g[k % 2], n, lo, hi);
		sweep(g[k % 2], g[(k + 1) % 2], n, r0, r1);
	}
	mp_barrier(&m);
	m.a.t1 = app_now_ms();

	ok = jacobi_check(&m.a, g[iters % 2], n, iters, lo, hi);
	for (i = lo; i < hi; i++)
		for (j = 0; j < n; j++) {
			union { double d; uint64_t u; } v = { g[iters % 2][i * n + j] };

			sum += mp_hash(i * n + j, v.u);
		}
	if (m.a.node == 0)
		printf("jacobi-mp: %ld x %ld grid, %ld sweeps, %d bands\n",
		       n, n, iters, m.a.nodes);
	mp_finish(&m, ok, MP_SUM_HEX, sum, 0);
}
