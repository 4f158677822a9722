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
#include <stdlib.h>
#include <string.h>

#include "apps_common.h"

#define SEED	0x6a61636fULL

/* Initial value of point (i, j): the same in both grids. */
static double init_value(long n, long i, long j)
{
	if (i == 0 || j == 0 || i == n - 1 || j == n - 1)
		return (double)((i * 7 + j * 13) % 101);	/* fixed edge */
	return (double)(app_rand(SEED, i * n + j) % 1000) / 10.0;
}

/* One sweep over rows [r0, r1) (interior rows only) from src to dst. */
static void sweep(const double *src, double *dst, long n, long r0, long r1)
{
	long i, j;

	for (i = r0; i < r1; i++)
		for (j = 1; j < n - 1; j++)
			dst[i * n + j] = 0.25 *
				((src[(i - 1) * n + j] + src[(i + 1) * n + j]) +
				 (src[i * n + j - 1] + src[i * n + j + 1]));
}

int main(int argc, char **argv)
{
	struct app a = {
		.name = "jacobi",
		.args = "N ITERS",
		.about = "Jacobi relaxation of an N x N grid of doubles, ITERS sweeps,\n"
			 "rows split in bands over the nodes, a barrier per sweep.",
	};
	long n, iters, lo, hi, r0, r1, i, j, k;
	double *g[2], *ref[2];
	size_t grid;
	int ok = 1;

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

	/* the serial run */
	for (k = 0; k < 2; k++) {
		ref[k] = malloc(n * n * sizeof(double));
		if (!ref[k])
			app_die(&a, "out of memory for the serial run");
		for (i = 0; i < n; i++)
			for (j = 0; j < n; j++)
				ref[k][i * n + j] = init_value(n, i, j);
	}
	for (k = 0; k < iters; k++)
		sweep(ref[k % 2], ref[(k + 1) % 2], n, 1, n - 1);

	for (i = lo; i < hi && ok; i++)
		for (j = 0; j < n; j++) {
			double want = ref[iters % 2][i * n + j];
			double got = g[iters % 2][i * n + j];

			if (memcmp(&want, &got, sizeof(got))) {
				app_diff(&a, "grid[%ld][%ld] is %.17g, serial run %.17g",
					 i, j, got, want);
				ok = 0;
				break;
			}
		}
	if (a.node == 0)
		printf("jacobi: %ld x %ld grid, %ld sweeps, %d bands\n",
		       n, n, iters, a.nodes);
	app_finish(&a, ok);
}
