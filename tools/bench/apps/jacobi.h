/* SPDX-License-Identifier: GPL-2.0 */
/*
 * jacobi.h - the numerical part of jacobi, shared by the dsm program
 * (jacobi.c) and its message-passing baseline (../mp/jacobi.c): the
 * initial grid, one sweep, and the check against the serial run.
 */
#ifndef JACOBI_H
#define JACOBI_H

#include <stdlib.h>
#include <string.h>

#include "apps_common.h"

#define JACOBI_SEED	0x6a61636fULL

/* Initial value of point (i, j): the same in both grids. */
static double init_value(long n, long i, long j)
{
	if (i == 0 || j == 0 || i == n - 1 || j == n - 1)
		return (double)((i * 7 + j * 13) % 101);	/* fixed edge */
	return (double)(app_rand(JACOBI_SEED, i * n + j) % 1000) / 10.0;
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

/*
 * Run the whole relaxation serially in private memory (the same
 * floating-point operations in the same order) and compare rows [lo, hi)
 * of @got (the grid after @iters sweeps) bit for bit. Returns 1 if equal.
 */
static int jacobi_check(struct app *a, const double *got, long n, long iters,
			long lo, long hi)
{
	double *ref[2];
	long i, j, k;
	int ok = 1;

	for (k = 0; k < 2; k++) {
		ref[k] = malloc(n * n * sizeof(double));
		if (!ref[k])
			app_die(a, "out of memory for the serial run");
		for (i = 0; i < n; i++)
			for (j = 0; j < n; j++)
				ref[k][i * n + j] = init_value(n, i, j);
	}
	for (k = 0; k < iters; k++)
		sweep(ref[k % 2], ref[(k + 1) % 2], n, 1, n - 1);

	for (i = lo; i < hi && ok; i++)
		for (j = 0; j < n; j++) {
			double want = ref[iters % 2][i * n + j];

			if (memcmp(&want, &got[i * n + j], sizeof(want))) {
				app_diff(a, "grid[%ld][%ld] is %.17g, serial run %.17g",
					 i, j, got[i * n + j], want);
				ok = 0;
				break;
			}
		}
	free(ref[0]);
	free(ref[1]);
	return ok;
}

#endif
