// SPDX-License-Identifier: GPL-2.0
/*
 * matmul - C = A x B of N x N integer matrices on an lrc region.
 *
 * Node 0 fills A and B; after a barrier every node computes its band of
 * rows of C, reading all of B and its rows of A (fetched from node 0 as
 * diffs), then a barrier ends the product.
 *
 * Verification: every node generates A and B itself from the same seed,
 * computes its rows of C serially in private memory and compares them
 * exactly with the rows in the region (64-bit integers: no rounding).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "apps_common.h"

#define SEED	0x6d61746dULL

static int64_t a_value(long n, long i, long j)
{
	return (int64_t)(app_rand(SEED, i * n + j) % 2001) - 1000;
}

static int64_t b_value(long n, long i, long j)
{
	return (int64_t)(app_rand(SEED + 1, i * n + j) % 2001) - 1000;
}

/* Rows [r0, r1) of C = A x B (i-k-j order: B is read row by row). */
static void multiply(const int64_t *ma, const int64_t *mb, int64_t *mc,
		     long n, long r0, long r1)
{
	long i, j, k;

	for (i = r0; i < r1; i++) {
		int64_t *c = mc + i * n;

		for (j = 0; j < n; j++)
			c[j] = 0;
		for (k = 0; k < n; k++) {
			int64_t aik = ma[i * n + k];
			const int64_t *b = mb + k * n;

			for (j = 0; j < n; j++)
				c[j] += aik * b[j];
		}
	}
}

int main(int argc, char **argv)
{
	struct app a = {
		.name = "matmul",
		.args = "N",
		.about = "C = A x B for N x N matrices of 64-bit integers; node 0\n"
			 "fills A and B, rows of C are split over the nodes.",
	};
	int64_t *ma, *mb, *mc, *ra, *rb, *rc;
	long n, lo, hi, i, j;
	size_t mat;
	int ok = 1;

	app_args(&a, argc, argv, 1, 1);
	n = app_arg(&a, 0, "N", 1, 2048);
	app_start(&a);

	mat = app_pages(n * n * sizeof(int64_t));
	app_map(&a, 3 * mat);
	ma = app_data(&a);
	mb = (int64_t *)((char *)ma + mat);
	mc = (int64_t *)((char *)mb + mat);
	app_block(n, a.node, a.nodes, &lo, &hi);

	if (a.node == 0)
		for (i = 0; i < n; i++)
			for (j = 0; j < n; j++) {
				ma[i * n + j] = a_value(n, i, j);
				mb[i * n + j] = b_value(n, i, j);
			}
	app_barrier(&a);

	app_timer_start(&a);
	multiply(ma, mb, mc, n, lo, hi);
	app_barrier(&a);
	app_timer_stop(&a);

	/* the serial run of my rows, from matrices generated here */
	ra = calloc(n * n, sizeof(int64_t));
	rb = calloc(n * n, sizeof(int64_t));
	rc = malloc(n * n * sizeof(int64_t));
	if (!ra || !rb || !rc)
		app_die(&a, "out of memory for the serial run");
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++) {
			ra[i * n + j] = a_value(n, i, j);
			rb[i * n + j] = b_value(n, i, j);
		}
	multiply(ra, rb, rc, n, lo, hi);
	for (i = lo; i < hi && ok; i++)
		for (j = 0; j < n; j++)
			if (mc[i * n + j] != rc[i * n + j]) {
				app_diff(&a, "C[%ld][%ld] is %" PRId64 ", serial run %" PRId64,
					 i, j, mc[i * n + j], rc[i * n + j]);
				ok = 0;
				break;
			}
	if (a.node == 0)
		printf("matmul: %ld x %ld, %d row bands\n", n, n, a.nodes);
	app_finish(&a, ok);
}
