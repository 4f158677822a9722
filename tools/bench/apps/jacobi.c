// SPDX-License-Identifier: GPL-2.0
/*
 * jacobi - Jacobi relaxation of an N x N grid on an lrc region.
 *
 * Two grids in the region; sweep k reads grid k % 2 and writes the
 * interior of grid (k + 1) % 2: every interior point becomes the mean of
 * its four neighbours. The rows are cut into one band per node; a node
 * writes only its band and reads its neighbours' edge rows, and a barrier
 * ends every sweep (so the edge rows, written by another node in the
 * previous sweep, are fetched as diffs). Row bands need not end on page
 * boundaries: two nodes then write one page in the same sweep, and lrc
 * merges their diffs.
 *
 * Verification: every node computes the whole relaxation serially in
 * private memory with the same function, hence the same floating-point
 * operations in the same order, and compares its own band bit for bit
 * (its band is local: checking it costs no messages).
 */
#include <stdio.h>

#include "apps_common.h"
#include "jacobi.h"

int main(int argc, char **argv)
{
	struct app a = {
		.name = "jacobi",
		.args = "N ITERS",
		.about = "Jacobi relaxation of an N x N grid of doubles, ITERS sweeps,\n"
			 "rows split in bands over the nodes, a barrier per sweep.",
	};
	long n, iters, lo, hi, r0, r1, i, j, k;
	double *g[2];
	size_t grid;
	int ok;

	app_args(&a, argc, argv, 2, 2);
	n = app_arg(&a, 0, "N", 3, 4096);
	iters = app_arg(&a, 1, "ITERS", 1, 100000);
	app_start(&a);

	grid = app_pages(n * n * sizeof(double));
	app_map(&a, 2 * grid);
	g[0] = app_data(&a);
	g[1] = (double *)((char *)g[0] + grid);

	/* my band of rows; only interior rows are ever written by a sweep */
	app_block(n, a.node, a.nodes, &lo, &hi);
	r0 = lo > 1 ? lo : 1;
	r1 = hi < n - 1 ? hi : n - 1;

	for (k = 0; k < 2; k++)
		for (i = lo; i < hi; i++)
			for (j = 0; j < n; j++)
				g[k][i * n + j] = init_value(n, i, j);
	app_barrier(&a);

	app_timer_start(&a);
	for (k = 0; k < iters; k++) {
		sweep(g[k % 2], g[(k + 1) % 2], n, r0, r1);
		app_barrier(&a);
	}
	app_timer_stop(&a);

	ok = jacobi_check(&a, g[iters % 2], n, iters, lo, hi);
	if (a.node == 0)
		printf("jacobi: %ld x %ld grid, %ld sweeps, %d bands\n",
		       n, n, iters, a.nodes);
	app_finish(&a, ok);
}
